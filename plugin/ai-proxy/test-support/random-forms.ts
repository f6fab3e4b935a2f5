/**
 * Random `multipart/form-data` bodies for property tests, with what a correct reader must find in them:
 * fields with random names and values (binary, CRLF-laden, boundary-like but never a delimiter, which
 * RFC 2046 keeps out of content), file parts, a `model` field
 * anywhere or nowhere, random boundaries; and the reference answer (the first `model` field before any
 * file part, if its value is UTF-8).
 */
import fc from 'fast-check';
import { multipartBody, type TestPart } from './multipart.ts';

const BOUNDARY_CHARS = fc.constantFrom(...'abcXYZ0189-_.+=\'()/:?'.split(''));

export const boundary = fc.string({ unit: BOUNDARY_CHARS, minLength: 1, maxLength: 70 }).filter((b) => !b.endsWith(' '));

const value = (b: string) =>
  fc.oneof(
    fc.constantFrom('model', 'gpt-4o', 'whisper-1', '').map((s) => new TextEncoder().encode(s)),
    fc.string({ maxLength: 40 }).map((s) => new TextEncoder().encode(s)),
    fc.uint8Array({ maxLength: 600 }),
    fc.constantFrom(`--${b}`, '\r\n\r\n', `\r\n-${b}`, `\r\n--${b.slice(0, -1)}`).map((s) => new TextEncoder().encode(s)),
  );

const part = (b: string): fc.Arbitrary<TestPart> =>
  fc.record({
    name: fc.oneof(fc.constantFrom('model', 'prompt', 'file', 'purpose', 'models', 'Model'), fc.string({ unit: fc.constantFrom('a', 'b', '_', '1'), minLength: 1, maxLength: 8 })),
    value: value(b),
    filename: fc.option(fc.constantFrom('a.mp3', 'image.png', 'x'), { nil: undefined }),
  });

/** Half of the forms open with a model field a mapping knows, as the OpenAI SDKs write them. */
const leading = fc.option(fc.constantFrom('model', 'gpt-4o').map((value): TestPart => ({ name: 'model', value: new TextEncoder().encode(value) })), { nil: undefined });

export const randomForm = boundary.chain((b) =>
  fc.tuple(leading, fc.array(part(b), { maxLength: 6 })).map(([first, rest]) => {
    const parts = first ? [first, ...rest] : rest;
    return { boundary: b, parts, body: multipartBody(parts, b) };
  }),
);

/** The model a correct reader finds: the one field named `model` before any file part, if its value is UTF-8. */
export function referenceModel(parts: TestPart[]): string | undefined {
  const before = parts.slice(0, parts.findIndex((p) => p.filename !== undefined) >>> 0);
  const models = before.filter((p) => p.name === 'model');
  if (models.length !== 1) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(models[0]!.value as Uint8Array);
  } catch {
    return undefined;
  }
}
