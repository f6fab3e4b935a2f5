/**
 * Bytes ↔ text and the header-pairs layout, done by the engine (UTF-8 in C, one host call each) so that
 * plugins never hand-roll UTF-8 in QuickJS. Pairs: u32 N, N × (u32 key_len, u32 value_len), then the
 * NUL-terminated keys and values.
 */
import * as host from './host-calls.ts';

import { decodeUtf8Lossy } from './utf8-lossy.ts';

export type HeaderPairs = Array<[string, string]>;

/** One buffer holding `parts` end to end (the part itself when there is only one). */
export function concatBytes(parts: ReadonlyArray<ArrayBuffer | Uint8Array>): ArrayBuffer {
  if (parts.length === 1 && parts[0] instanceof ArrayBuffer) return parts[0];
  let size = 0;
  for (let i = 0; i < parts.length; i++) size += parts[i].byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    out.set(part instanceof ArrayBuffer ? new Uint8Array(part) : part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

/** The bytes as an ArrayBuffer of their own: the view's buffer when it spans all of it (no copy), else a copy. */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/** UTF-8 of `text`; lone surrogates become U+FFFD, so the result is always valid UTF-8. */
export function encodeUtf8(text: string): ArrayBuffer {
  return host.utf8Encode(text.isWellFormed() ? text : text.toWellFormed()) as ArrayBuffer;
}

/** Text of the bytes; ill-formed sequences become U+FFFD exactly as TextDecoder does. */
export function decodeUtf8(bytes: ArrayBuffer, start = 0, length = bytes.byteLength - start): string {
  const text = host.utf8Decode(bytes, start, length);
  if (typeof text === 'string') return text;
  const from = Math.min(start, bytes.byteLength);
  return decodeUtf8Lossy(new Uint8Array(bytes, from, Math.min(length, bytes.byteLength - from)));
}

/** Whether the bytes are well-formed UTF-8 (checked by the engine, not byte by byte in JS). */
export function isValidUtf8(bytes: ArrayBuffer, start = 0, length = bytes.byteLength - start): boolean {
  return host.utf8Valid(bytes, start, length) === 1;
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

/** The same conversions on byte views (`Uint8Array`), for parsers that work on slices of a body. */
export const utf8 = {
  decode: (bytes: Uint8Array): string => decodeUtf8(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength),
  isValid: (bytes: Uint8Array): boolean => isValidUtf8(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength),
  encode: (text: string): Uint8Array => new Uint8Array(encodeUtf8(text)),
};
