/**
 * The `model` field of a `multipart/form-data` body (RFC 7578, RFC 2046 delimiters: `--boundary` at the
 * start of the body or of a line, then optional spaces and CRLF, or `--` to close), found in the start
 * of the body so it can be mapped without holding the upload. The parts are walked from the first
 * delimiter; the answer is the field named `model` when it comes before any file part (one with a
 * `filename`), is the only such field there and is valid UTF-8. `more` asks for more bytes; `none`
 * says the field is not mappable here, and why. Each search moves forward only, so the work is linear
 * in the bytes given (a delimiter's CR occurs in it only once, so candidates never overlap).
 */
import { utf8 } from '../../sdk/codec.ts';

const CRLF_CRLF = [13, 10, 13, 10];
const MAX_PART_HEADERS = 8 * 1024;

export type ModelField =
  | { kind: 'model'; valueStart: number; valueEnd: number; model: string }
  | { kind: 'more' }
  | { kind: 'none'; reason: string };

const NAME = /;\s*name\s*=\s*(?:"([^"]*)"|([^\s;]+))/i;
const FILENAME = /;\s*filename\*?\s*=/i;
const DISPOSITION = /^content-disposition\s*:\s*form-data\b(.*)$/im;

function indexOf(hay: Uint8Array, needle: ArrayLike<number>, from: number): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

type Delimiter = { close: boolean; next: number } | 'more' | 'not';

/** What follows `--boundary` ending at `at`: the close (`--`), a delimiter line (its end), or neither. */
function afterDelimiter(bytes: Uint8Array, at: number): Delimiter {
  if (at + 2 > bytes.length) return 'more';
  if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return { close: true, next: at + 2 };
  let i = at;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
  if (i + 2 > bytes.length) return 'more';
  return bytes[i] === 13 && bytes[i + 1] === 10 ? { close: false, next: i + 2 } : 'not';
}

/** The next `CRLF--boundary` from `from` that is a delimiter: where it starts, and what follows it. */
function nextDelimiter(bytes: Uint8Array, needle: number[], from: number): { start: number; after: { close: boolean; next: number } } | 'more' {
  for (let at = from; ; ) {
    const start = indexOf(bytes, needle, at);
    if (start < 0) return 'more';
    const after = afterDelimiter(bytes, start + needle.length);
    if (after === 'more') return 'more';
    if (after !== 'not') return { start, after };
    at = start + 1;
  }
}

/** `final`: `bytes` is all there will be to look at (the whole body, or as much as may be held). */
export function findModelField(bytes: Uint8Array, boundary: string, final: boolean): ModelField {
  const more = (reason: string): ModelField => (final ? { kind: 'none', reason } : { kind: 'more' });
  const dashes = ascii(`--${boundary}`);
  const delimiter = ascii(`\r\n--${boundary}`);
  let first: Delimiter = indexOf(bytes.subarray(0, dashes.length), dashes, 0) === 0 ? afterDelimiter(bytes, dashes.length) : 'not';
  if (first === 'not') {
    const found = nextDelimiter(bytes, delimiter, 0);
    first = found === 'more' ? 'more' : found.after;
  }
  if (first === 'more') return more('no multipart delimiter in the body');
  let model: ModelField | undefined;
  for (let after = first; ; ) {
    if (after.close) return model ?? { kind: 'none', reason: 'the body has no model field' };
    const headersEnd = indexOf(bytes, CRLF_CRLF, after.next - 2);
    if (headersEnd < 0 || headersEnd - after.next > MAX_PART_HEADERS) {
      if (headersEnd >= 0 || bytes.length - after.next > MAX_PART_HEADERS) return { kind: 'none', reason: 'a part has headers beyond 8 KiB' };
      return model && final ? model : more('the body ends inside part headers');
    }
    const disposition = DISPOSITION.exec(latin1(bytes.subarray(after.next, headersEnd)))?.[1] ?? '';
    if (FILENAME.test(disposition)) return model ?? { kind: 'none', reason: 'a file part comes before the model field' };
    const contentStart = headersEnd + 4;
    const end = nextDelimiter(bytes, delimiter, contentStart);
    if (end === 'more') return model && final ? model : more('the body ends inside a part');
    const found = NAME.exec(disposition);
    if (found && (found[1] ?? found[2]) === 'model') {
      if (model) return { kind: 'none', reason: 'the body has more than one model field' };
      const value = bytes.subarray(contentStart, end.start);
      if (!utf8.isValid(value)) return { kind: 'none', reason: 'the model field is not UTF-8' };
      model = { kind: 'model', valueStart: contentStart, valueEnd: end.start, model: utf8.decode(value) };
    }
    after = end.after;
  }
}
