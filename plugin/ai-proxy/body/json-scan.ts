/**
 * A single-pass scanner over the UTF-8 bytes of a JSON document that finds the members of one object
 * with their byte spans, so a body can be edited by splicing bytes instead of re-serialising it. It is run
 * on text JSON.parse accepted; it still reports the grammar errors it meets (all but unescaped control
 * characters inside strings), iteratively so deep nesting cannot overflow the stack; it does not check
 * UTF-8. Keys are decoded,
 * escapes included; a duplicated key keeps its last occurrence, as JSON.parse does, and is listed in
 * `duplicates`. Spans: `keyStart` is the key's opening quote, `valueStart`/`valueEnd` bound the value
 * (end exclusive), `objectStart`/`objectEnd` are the indices of the braces.
 */
import { utf8 } from '../../sdk/codec.ts';

export interface MemberSpan { keyStart: number; valueStart: number; valueEnd: number }
export interface ObjectScan { members: Map<string, MemberSpan>; objectStart: number; objectEnd: number; duplicates: string[] }
export type ScanResult = ObjectScan | { error: string };

class ScanError extends Error {}

const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const LITERALS: Record<number, number[]> = { 0x74: [0x74, 0x72, 0x75, 0x65], 0x66: [0x66, 0x61, 0x6c, 0x73, 0x65], 0x6e: [0x6e, 0x75, 0x6c, 0x6c] };

function fail(b: Uint8Array, i: number, expected: string): never {
  const found = i >= b.length ? 'end of input' : b[i] >= 0x20 && b[i] < 0x7f ? `'${String.fromCharCode(b[i])}'` : `byte 0x${b[i].toString(16).padStart(2, '0')}`;
  throw new ScanError(`expected ${expected} but found ${found} at byte offset ${i}`);
}

function ws(b: Uint8Array, i: number): number {
  for (let c = b[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = b[++i]);
  return i;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

let escapeFrom = 0;
let escapeAt = -1;

/** The next backslash at or after `from`, remembered so a document without escapes is searched once. */
function nextEscape(b: Uint8Array, from: number): number {
  if (from < escapeFrom || (escapeAt !== -1 && escapeAt < from)) {
    escapeFrom = from;
    escapeAt = b.indexOf(0x5c, from);
  }
  return escapeAt;
}

/**
 * Past the string opening at `i`. A run without escapes is skipped with native searches (QuickJS loops are
 * slow), so control characters inside it are not reported: callers scan text JSON.parse already accepted.
 */
function skipString(b: Uint8Array, i: number): number {
  for (let j = i + 1; ; ) {
    const quote = b.indexOf(0x22, j);
    const escape = nextEscape(b, j);
    if (quote !== -1 && (escape === -1 || quote < escape)) return quote + 1;
    let c = b[j];
    while (c >= 0x20 && c !== 0x22 && c !== 0x5c) c = b[++j];
    if (c === 0x22) return j + 1;
    if (c === undefined) fail(b, j, 'closing quote of the string opened at ' + i);
    if (c !== 0x5c) fail(b, j, 'a string character (control characters must be escaped)');
    const e = b[j + 1];
    if (e === 0x75) {
      for (let k = 2; k < 6; k++) if (!isHex(b[j + k])) fail(b, j + k, 'a hex digit in \\u escape');
      j += 6;
    } else if (ESCAPES.has(e)) j += 2;
    else fail(b, j + 1, 'a valid escape character');
  }
}

function skipDigits(b: Uint8Array, i: number): number {
  if (!isDigit(b[i])) fail(b, i, 'a digit');
  while (isDigit(b[i])) i++;
  return i;
}

function skipScalar(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i);
  const literal = LITERALS[c];
  if (literal) {
    for (let k = 0; k < literal.length; k++) if (b[i + k] !== literal[k]) fail(b, i + k, `'${String.fromCharCode(...literal)}'`);
    return i + literal.length;
  }
  if (c !== 0x2d && !isDigit(c)) fail(b, i, 'a JSON value');
  let j = c === 0x2d ? i + 1 : i;
  j = b[j] === 0x30 ? j + 1 : skipDigits(b, j);
  if (b[j] === 0x2e) j = skipDigits(b, j + 1);
  if (b[j] === 0x65 || b[j] === 0x45) j = skipDigits(b, b[j + 1] === 0x2b || b[j + 1] === 0x2d ? j + 2 : j + 1);
  return j;
}

function skipKey(b: Uint8Array, i: number): number {
  if (b[i] !== 0x22) fail(b, i, 'a string key');
  i = ws(b, skipString(b, i));
  if (b[i] !== 0x3a) fail(b, i, "':' after the key");
  return ws(b, i + 1);
}

function skipValue(b: Uint8Array, i: number): number {
  const closers: number[] = [];
  for (;;) {
    const c = b[i];
    if (c === 0x7b || c === 0x5b) {
      const closer = c + 2;
      i = ws(b, i + 1);
      if (b[i] === closer) i++;
      else {
        closers.push(closer);
        if (closer === 0x7d) i = skipKey(b, i);
        continue;
      }
    } else i = skipScalar(b, i);
    for (;;) {
      if (closers.length === 0) return i;
      i = ws(b, i);
      const top = closers[closers.length - 1];
      if (b[i] === 0x2c) {
        i = ws(b, i + 1);
        if (top === 0x7d) i = skipKey(b, i);
        break;
      }
      if (b[i] !== top) fail(b, i, `',' or '${String.fromCharCode(top)}'`);
      closers.pop();
      i++;
    }
  }
}

function decodeKey(b: Uint8Array, start: number, end: number): string {
  const raw = b.subarray(start + 1, end - 1);
  return raw.includes(0x5c) ? (JSON.parse(utf8.decode(b.subarray(start, end))) as string) : utf8.decode(raw);
}

function scanObject(b: Uint8Array, start: number): ObjectScan {
  const objectStart = ws(b, start);
  if (b[objectStart] !== 0x7b) fail(b, objectStart, "'{'");
  const members = new Map<string, MemberSpan>();
  const duplicates: string[] = [];
  let i = ws(b, objectStart + 1);
  if (b[i] === 0x7d) return { members, objectStart, objectEnd: i, duplicates };
  for (;;) {
    const keyStart = i;
    const valueStart = skipKey(b, i);
    const key = decodeKey(b, keyStart, skipString(b, keyStart));
    const valueEnd = skipValue(b, valueStart);
    if (members.delete(key)) duplicates.push(key);
    members.set(key, { keyStart, valueStart, valueEnd });
    i = ws(b, valueEnd);
    if (b[i] === 0x7d) return { members, objectStart, objectEnd: i, duplicates };
    if (b[i] !== 0x2c) fail(b, i, "',' or '}'");
    i = ws(b, i + 1);
  }
}

function scan(bytes: Uint8Array, start: number, whole: boolean): ScanResult {
  escapeFrom = start;
  escapeAt = bytes.indexOf(0x5c, start);
  try {
    const result = scanObject(bytes, start);
    const end = ws(bytes, result.objectEnd + 1);
    if (whole && end < bytes.length) fail(bytes, end, 'end of input after the top-level object');
    return result;
  } catch (e) {
    if (e instanceof ScanError) return { error: e.message };
    throw e;
  }
}

export const scanTopLevel = (bytes: Uint8Array): ScanResult => scan(bytes, 0, true);
export const scanObjectAt = (bytes: Uint8Array, start: number): ScanResult => scan(bytes, start, false);
