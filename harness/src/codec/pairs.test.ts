/**
 * The header-pairs codec (reference §5): byte layout, round trips, and Envoy's parser limits, where
 * every violation (count, total size, exact length, NULs) gives an empty list rather than an error.
 */
import { describe, expect, it } from 'vitest';
import { decodePairs, encodePairs, MAX_PAIRS, MAX_PAIRS_BYTES } from './pairs.ts';

const u32 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);

describe('pairs codec', () => {
  it('lays out N, the length table, then NUL-terminated keys and values (ref §5)', () => {
    const bytes = encodePairs([['ab', 'c'], [':path', '']]);
    expect(bytes.length).toBe(4 + 2 * 8 + (2 + 1 + 2) + (5 + 0 + 2));
    expect([u32(bytes, 0), u32(bytes, 4), u32(bytes, 8), u32(bytes, 12), u32(bytes, 16)]).toEqual([2, 2, 1, 5, 0]);
    expect(new TextDecoder().decode(bytes.subarray(20))).toBe('ab\0c\0:path\0\0');
  });

  it('round-trips pseudo-headers, empty values, duplicates and UTF-8 (ref §5)', () => {
    const pairs: Array<[string, string]> = [
      [':method', 'POST'],
      ['x-empty', ''],
      ['x-dup', '1'],
      ['x-dup', '2'],
      ['x-utf8', 'héllo ☃'],
    ];
    expect(decodePairs(encodePairs(pairs))).toEqual(pairs);
  });

  it('encodes an empty list as N = 0 and decodes it, or no bytes at all, to [] (ref §5)', () => {
    expect(encodePairs([])).toEqual(new Uint8Array(4));
    expect(decodePairs(new Uint8Array(4))).toEqual([]);
    expect(decodePairs(new Uint8Array(0))).toEqual([]);
    expect(decodePairs(new Uint8Array(3))).toEqual([]);
  });

  it('accepts 1024 pairs and rejects 1025 with [] (ref §5, §8)', () => {
    const make = (n: number) => Array.from({ length: n }, (_, i) => [`k${i}`, 'v'] as [string, string]);
    expect(MAX_PAIRS).toBe(1024);
    expect(decodePairs(encodePairs(make(1024)))).toHaveLength(1024);
    expect(decodePairs(encodePairs(make(1025)))).toEqual([]);
  });

  it('accepts exactly 1 MiB and rejects one byte more with [] (ref §5, §8)', () => {
    expect(MAX_PAIRS_BYTES).toBe(1024 * 1024);
    const fits = encodePairs([['k', 'v'.repeat(MAX_PAIRS_BYTES - 15)]]);
    expect(fits.length).toBe(MAX_PAIRS_BYTES);
    expect(decodePairs(fits)).toHaveLength(1);
    expect(decodePairs(encodePairs([['k', 'v'.repeat(MAX_PAIRS_BYTES - 14)]]))).toEqual([]);
  });

  it('requires the exact total length: a trailing byte or a missing byte gives [] (ref §5)', () => {
    const bytes = encodePairs([['a', 'b']]);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(decodePairs(bytes)).toEqual([['a', 'b']]);
    expect(decodePairs(longer)).toEqual([]);
    expect(decodePairs(bytes.subarray(0, bytes.length - 1))).toEqual([]);
  });

  it('gives [] when N promises more length entries than the bytes hold (ref §5)', () => {
    const bytes = encodePairs([['a', 'b']]);
    new DataView(bytes.buffer).setUint32(0, 2, true);
    expect(decodePairs(bytes)).toEqual([]);
  });

  it('gives [] when a key or a value is not followed by NUL (ref §5)', () => {
    const keyNul = encodePairs([['a', 'b']]);
    keyNul[12 + 1] = 0x2d;
    expect(decodePairs(keyNul)).toEqual([]);
    const valueNul = encodePairs([['a', 'b'], ['c', 'd']]);
    valueNul[valueNul.length - 1] = 0x2d;
    expect(decodePairs(valueNul)).toEqual([]);
  });

  it('gives [] when the length table disagrees with the NUL positions (ref §5)', () => {
    const bytes = encodePairs([['ab', 'cd']]);
    const view = new DataView(bytes.buffer);
    view.setUint32(4, 1, true);
    view.setUint32(8, 3, true);
    expect(decodePairs(bytes)).toEqual([]);
  });
});
