/**
 * The `model` field of a `multipart/form-data` body (RFC 7578), found in the start of the body so it can
 * be mapped without holding the upload: the parts are walked from the first delimiter; the field named
 * `model` is the answer if it comes before any file part (one with a `filename`), ends inside the bytes
 * seen and is valid UTF-8. `more` asks for more bytes; `none` says the field is not mappable here, and why.
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

/** `final`: `bytes` is all there will be to look at (the whole body, or as much as may be held). */
export function findModelField(bytes: Uint8Array, boundary: string, final: boolean): ModelField {
  const more = (reason: string): ModelField => (final ? { kind: 'none', reason } : { kind: 'more' });
  const delimiter = ascii(`--${boundary}`);
  const nextDelimiter = ascii(`\r\n--${boundary}`);
  let at = indexOf(bytes, delimiter, 0);
  if (at < 0) return more('no multipart delimiter in the body');
  at += delimiter.length;
  for (;;) {
    if (at + 2 > bytes.length) return more('the body ends inside a delimiter');
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return { kind: 'none', reason: 'the body has no model field' };
    const lineEnd = bytes.indexOf(10, at);
    if (lineEnd < 0) return more('the body ends inside a delimiter');
    const headersEnd = indexOf(bytes, CRLF_CRLF, lineEnd - 1);
    if (headersEnd < 0 || headersEnd - lineEnd > MAX_PART_HEADERS) {
      return headersEnd < 0 && bytes.length - lineEnd <= MAX_PART_HEADERS ? more('the body ends inside part headers') : { kind: 'none', reason: 'a part has headers beyond 8 KiB' };
    }
    const headers = latin1(bytes.subarray(lineEnd + 1, headersEnd));
    const disposition = DISPOSITION.exec(headers)?.[1] ?? '';
    const contentStart = headersEnd + 4;
    if (FILENAME.test(disposition)) return { kind: 'none', reason: 'a file part comes before the model field' };
    const end = indexOf(bytes, nextDelimiter, contentStart);
    if (end < 0) return more('the body ends inside a part');
    const found = NAME.exec(disposition);
    if (found && (found[1] ?? found[2]) === 'model') {
      const value = bytes.subarray(contentStart, end);
      if (!utf8.isValid(value)) return { kind: 'none', reason: 'the model field is not UTF-8' };
      return { kind: 'model', valueStart: contentStart, valueEnd: end, model: utf8.decode(value) };
    }
    at = end + nextDelimiter.length;
  }
}
