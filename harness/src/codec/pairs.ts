/**
 * The proxy-wasm header-pairs codec (reference §5): u32 N, N × (u32 key_len, u32 value_len), then
 * N × (key, NUL, value, NUL), little-endian. Decoding follows Envoy's parser: any violation of the exact
 * length, the NULs, N ≤ 1024 or total ≤ 1 MiB yields an empty list, never an error.
 */

import { decodeUtf8, utf8Length, writeUtf8 } from './utf8.ts';

export type HeaderPairs = Array<[string, string]>;

export const MAX_PAIRS = 1024;
export const MAX_PAIRS_BYTES = 1024 * 1024;

const lengthOf = (v: string | Uint8Array): number => (typeof v === 'string' ? utf8Length(v) : v.length);

function put(v: string | Uint8Array, out: Uint8Array, offset: number): void {
  if (typeof v === 'string') writeUtf8(v, out, offset);
  else out.set(v, offset);
}

/** Serialises pairs in order; an empty list encodes as just N = 0. */
export function encodePairs(pairs: ReadonlyArray<readonly [string | Uint8Array, string | Uint8Array]>): Uint8Array {
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
  for (let i = head; i < bytes.length; i++) if (bytes[i] === 0) nuls++;
  return nuls === 2 * n ? splitStrings(bytes.subarray(head), n) : decodeEach(bytes, view, n);
}

/** The pairs of a strings area without NULs inside keys or values: decoded once and split. */
function splitStrings(area: Uint8Array, n: number): Array<[string, string]> {
  const parts = decodeUtf8(area).split('\0');
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
