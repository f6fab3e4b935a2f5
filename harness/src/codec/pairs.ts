/**
 * The proxy-wasm header-pairs codec (reference §5): u32 N, N × (u32 key_len, u32 value_len), then
 * N × (key, NUL, value, NUL), little-endian. Decoding follows Envoy's parser: any violation of the exact
 * length, the NULs, N ≤ 1024 or total ≤ 1 MiB yields an empty list, never an error.
 */

import { decodeUtf8, utf8Length, writeUtf8 } from './utf8.ts';

export type HeaderPairs = Array<[string, string]>;

export const MAX_PAIRS = 1024;
export const MAX_PAIRS_BYTES = 1024 * 1024;

type Pair = readonly [string | Uint8Array, string | Uint8Array];

const lengthOf = (v: string | Uint8Array): number => (typeof v === 'string' ? utf8Length(v) : v.length);

function put(v: string | Uint8Array, out: Uint8Array, offset: number): void {
  if (typeof v === 'string') writeUtf8(v, out, offset);
  else out.set(v, offset);
}

/** Writes `v` at `offset` if it is bytes or an ASCII string, answering its length; −1 for other text. */
function putAscii(v: string | Uint8Array, out: Uint8Array, offset: number): number {
  if (typeof v !== 'string') {
    out.set(v, offset);
    return v.length;
  }
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) return -1;
    out[offset + i] = c;
  }
  return n;
}

/** Serialises pairs in order; an empty list encodes as just N = 0. Sized from string lengths, exact while the text is ASCII. */
export function encodePairs(pairs: ReadonlyArray<Pair>): Uint8Array {
  const n = pairs.length;
  let size = 4 + 8 * n;
  for (let i = 0; i < n; i++) size += pairs[i]![0].length + pairs[i]![1].length + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  let offset = 4 + 8 * n;
  for (let i = 0; i < n; i++) {
    const pair = pairs[i]!;
    const k = putAscii(pair[0], out, offset);
    if (k < 0) return encodeText(pairs);
    offset += k + 1;
    const v = putAscii(pair[1], out, offset);
    if (v < 0) return encodeText(pairs);
    offset += v + 1;
    view.setUint32(4 + 8 * i, k, true);
    view.setUint32(8 + 8 * i, v, true);
  }
  return out;
}

/** `encodePairs` for text beyond ASCII: UTF-8 lengths measured first. */
function encodeText(pairs: ReadonlyArray<Pair>): Uint8Array {
  const lengths = new Array<number>(pairs.length * 2);
  let size = 4;
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i]!;
    size += 8 + (lengths[2 * i] = lengthOf(k)) + (lengths[2 * i + 1] = lengthOf(v)) + 2;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, pairs.length, true);
  let offset = 4;
  for (const length of lengths) {
    view.setUint32(offset, length, true);
    offset += 4;
  }
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i]!;
    put(k, out, offset);
    offset += lengths[2 * i]! + 1;
    put(v, out, offset);
    offset += lengths[2 * i + 1]! + 1;
  }
  return out;
}

/** Parses pairs as Envoy does; malformed input gives []. */
export function decodePairs(bytes: Uint8Array): Array<[string, string]> {
  if (bytes.length < 4 || bytes.length > MAX_PAIRS_BYTES) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const head = 4 + n * 8;
  if (n > MAX_PAIRS || head > bytes.length) return [];
  let total = head;
  for (let i = 0; i < 2 * n; i++) total += view.getUint32(4 + i * 4, true) + 1;
  if (total !== bytes.length) return [];
  let offset = head;
  let nuls = 0;
  for (let i = 0; i < 2 * n; i++) {
    offset += view.getUint32(4 + i * 4, true);
    if (bytes[offset] !== 0) return [];
    offset++;
  }
  const text = decodeUtf8(bytes.subarray(head));
  if (text.length === bytes.length - head) return sliceStrings(text, view, n);
  for (let i = head; i < bytes.length; i++) if (bytes[i] === 0) nuls++;
  return nuls === 2 * n ? splitStrings(text, n) : decodeEach(bytes, view, n);
}

/**
 * The pairs of a strings area that decoded to one UTF-16 unit per byte (ASCII, or bytes each replaced
 * by U+FFFD alone), so byte lengths are string lengths: sliced, whatever NULs the values hold.
 */
function sliceStrings(text: string, view: DataView, n: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const k = view.getUint32(4 + i * 8, true);
    const v = view.getUint32(8 + i * 8, true);
    pairs[i] = [text.slice(at, at + k), text.slice(at + k + 1, at + k + 1 + v)];
    at += k + v + 2;
  }
  return pairs;
}

/** The pairs of a strings area without NULs inside keys or values: decoded once and split. */
function splitStrings(text: string, n: number): Array<[string, string]> {
  const parts = text.split('\0');
  const pairs: Array<[string, string]> = new Array(n);
  for (let i = 0; i < n; i++) pairs[i] = [parts[2 * i]!, parts[2 * i + 1]!];
  return pairs;
}

function decodeEach(bytes: Uint8Array, view: DataView, n: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let offset = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const k = view.getUint32(4 + i * 8, true);
    const v = view.getUint32(8 + i * 8, true);
    pairs.push([decodeUtf8(bytes.subarray(offset, offset + k)), decodeUtf8(bytes.subarray(offset + k + 1, offset + k + 1 + v))]);
    offset += k + v + 2;
  }
  return pairs;
}
