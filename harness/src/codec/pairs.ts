/**
 * The proxy-wasm header-pairs codec (reference §5): u32 N, N × (u32 key_len, u32 value_len), then
 * N × (key, NUL, value, NUL), little-endian. Decoding follows Envoy's parser: any violation of the exact
 * length, the NULs, N ≤ 1024 or total ≤ 1 MiB yields an empty list, never an error.
 */

export type HeaderPairs = Array<[string, string]>;

export const MAX_PAIRS = 1024;
export const MAX_PAIRS_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const toBytes = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? encoder.encode(v) : v);

/** Serialises pairs in order; an empty list encodes as just N = 0. */
export function encodePairs(pairs: ReadonlyArray<readonly [string | Uint8Array, string | Uint8Array]>): Uint8Array {
  const encoded = pairs.map(([k, v]) => [toBytes(k), toBytes(v)] as const);
  let size = 4;
  for (const [k, v] of encoded) size += 8 + k.length + v.length + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, encoded.length, true);
  let offset = 4;
  for (const [k, v] of encoded) {
    view.setUint32(offset, k.length, true);
    view.setUint32(offset + 4, v.length, true);
    offset += 8;
  }
  for (const [k, v] of encoded) {
    out.set(k, offset);
    offset += k.length + 1;
    out.set(v, offset);
    offset += v.length + 1;
  }
  return out;
}

/** Parses pairs as Envoy does; malformed input gives []. */
export function decodePairs(bytes: Uint8Array): Array<[string, string]> {
  if (bytes.length < 4 || bytes.length > MAX_PAIRS_BYTES) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  if (n > MAX_PAIRS || 4 + n * 8 > bytes.length) return [];
  const sizes: Array<[number, number]> = [];
  let total = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const k = view.getUint32(4 + i * 8, true);
    const v = view.getUint32(8 + i * 8, true);
    sizes.push([k, v]);
    total += k + v + 2;
  }
  if (total !== bytes.length) return [];
  const pairs: Array<[string, string]> = [];
  let offset = 4 + n * 8;
  for (const [k, v] of sizes) {
    if (bytes[offset + k] !== 0 || bytes[offset + k + 1 + v] !== 0) return [];
    const key = decoder.decode(bytes.subarray(offset, offset + k));
    const value = decoder.decode(bytes.subarray(offset + k + 1, offset + k + 1 + v));
    pairs.push([key, value]);
    offset += k + v + 2;
  }
  return pairs;
}
