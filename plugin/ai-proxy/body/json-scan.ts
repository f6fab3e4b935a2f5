/**
 * A single-pass scanner over the UTF-8 bytes of a JSON document that finds the members of one object
 * with their byte spans, so a body can be edited by splicing bytes instead of re-serialising it. It is run
 * on text JSON.parse accepted; it still reports the grammar errors it meets outside strings (the inside
 * of strings — escapes, control characters — is not checked), iteratively so deep nesting cannot overflow
 * the stack, in time linear in the input; it does not check UTF-8. Keys are decoded, escapes included; a
 * duplicated key keeps its last occurrence, as JSON.parse does, and is listed in `duplicates`. Spans: `keyStart` is the key's opening quote, `valueStart`/`valueEnd` bound the value
 * (end exclusive), `objectStart`/`objectEnd` are the indices of the braces.
 */
import { utf8 } from '../../sdk/codec.ts';
import { parseJson } from '../../sdk/json.ts';

export interface MemberSpan { keyStart: number; valueStart: number; valueEnd: number }
export interface ObjectScan { members: Map<string, MemberSpan>; objectStart: number; objectEnd: number; duplicates: string[] }
export type ScanResult = ObjectScan | { error: string };

class ScanError extends Error {}

const LITERALS: Record<number, number[]> = { 0x74: [0x74, 0x72, 0x75, 0x65], 0x66: [0x66, 0x61, 0x6c, 0x73, 0x65], 0x6e: [0x6e, 0x75, 0x6c, 0x6c] };

function fail(b: Uint8Array, i: number, expected: string): never {
  const found = i >= b.length ? 'end of input' : b[i] >= 0x20 && b[i] < 0x7f ? `'${String.fromCharCode(b[i])}'` : `byte 0x${b[i].toString(16).padStart(2, '0')}`;
  throw new ScanError(`expected ${expected} but found ${found} at byte offset ${i}`);
}

function ws(b: Uint8Array, i: number): number {
  for (let c = b[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = b[++i]);
  return i;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The next occurrence of one byte at or after a position, remembered so each stretch is searched once. */
class NextByte {
  private from = 0;
  private at = -1;
  constructor(
    private readonly b: Uint8Array,
    private readonly byte: number,
    start: number,
  ) {
    this.from = start;
    this.at = b.indexOf(byte, start);
  }
  after(position: number): number {
    if (position < this.from || (this.at !== -1 && this.at < position)) {
      this.from = position;
      this.at = this.b.indexOf(this.byte, position);
    }
    return this.at;
  }
}

let quotes = new NextByte(new Uint8Array(0), 0x22, 0);

/**
 * Past the string opening at `i`: the first quote not escaped by an odd run of backslashes before it.
 * Only quotes are searched for (natively, each once), so a string costs time linear in its length however
 * many escapes it holds; escapes and control characters inside it are not checked, since callers scan
 * text JSON.parse already accepted.
 */
function skipString(b: Uint8Array, i: number): number {
  for (let from = i + 1; ; ) {
    const quote = quotes.after(from);
    if (quote === -1) fail(b, b.length, 'closing quote of the string opened at ' + i);
    let run = quote;
    while (run > i + 1 && b[run - 1] === 0x5c) run--;
    if ((quote - run) % 2 === 0) return quote + 1;
    from = quote + 1;
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
  if (!raw.includes(0x5c)) return utf8.decode(raw);
  const parsed = parseJson(b.subarray(start, end));
  if (!parsed.ok || typeof parsed.value !== 'string') fail(b, start, 'a valid string key');
  return parsed.value;
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
  quotes = new NextByte(bytes, 0x22, start);
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
