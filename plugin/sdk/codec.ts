/**
 * Bytes ↔ text and the header-pairs layout, done by the engine (UTF-8 in C, one host call each) so that
 * plugins never hand-roll UTF-8 in QuickJS. Pairs: u32 N, N × (u32 key_len, u32 value_len), then the
 * NUL-terminated keys and values.
 */
import { HostFn, call } from './abi.ts';

export type HeaderPairs = Array<[string, string]>;

export function encodeUtf8(text: string): ArrayBuffer {
  return call(HostFn.utf8Encode, text) as ArrayBuffer;
}

export function decodeUtf8(bytes: ArrayBuffer, start = 0, length = bytes.byteLength - start): string {
  return call(HostFn.utf8Decode, bytes, start, length) as string;
}

export function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): ArrayBuffer {
  const encoded = pairs.map(([k, v]) => [new Uint8Array(encodeUtf8(k)), new Uint8Array(encodeUtf8(v))] as const);
  let size = 4;
  for (const [k, v] of encoded) size += 10 + k.length + v.length;
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
  return out.buffer;
}

export function decodePairs(bytes: ArrayBuffer): HeaderPairs {
  if (bytes.byteLength < 4) return [];
  const view = new DataView(bytes);
  const n = view.getUint32(0, true);
  const pairs: HeaderPairs = [];
  let offset = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const k = view.getUint32(4 + i * 8, true);
    const v = view.getUint32(8 + i * 8, true);
    pairs.push([decodeUtf8(bytes, offset, k), decodeUtf8(bytes, offset + k + 1, v)]);
    offset += k + v + 2;
  }
  return pairs;
}
