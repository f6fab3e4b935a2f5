/**
 * Byte-exact checks of Envoy's `serializeValue` encoding for every value kind, plus the helpers
 * the resolver leans on (map detection, SimpleAtoi-style int64 parsing).
 */

import { describe, expect, it } from 'vitest';
import { Double, Duration, Timestamp, isPropertyMap, parseInt64, serializeValue } from './values.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('serializeValue scalars', () => {
  it('writes strings as raw UTF-8', () => {
    expect(serializeValue('hé')).toEqual(bytes(0x68, 0xc3, 0xa9));
    expect(serializeValue('')).toEqual(bytes());
  });

  it('writes bytes raw, as a copy', () => {
    const input = bytes(0, 1, 255);
    const out = serializeValue(input);
    expect(out).toEqual(bytes(0, 1, 255));
    out[0] = 9;
    expect(input[0]).toBe(0);
  });

  it('writes int64 as 8 little-endian two-complement bytes', () => {
    expect(serializeValue(258n)).toEqual(bytes(2, 1, 0, 0, 0, 0, 0, 0));
    expect(serializeValue(-2n)).toEqual(bytes(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expect(serializeValue(-9223372036854775808n)).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0x80));
  });

  it('writes uint64 values above int64 with the same bit pattern', () => {
    expect(serializeValue(2n ** 64n - 1n)).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  });

  it('treats integral numbers as int64 and other numbers as double', () => {
    expect(serializeValue(-1)).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expect(serializeValue(200)).toEqual(bytes(200, 0, 0, 0, 0, 0, 0, 0));
    expect(serializeValue(1.5)).toEqual(bytes(0, 0, 0, 0, 0, 0, 0xf8, 0x3f));
  });

  it('writes an explicit Double as float64 even when integral', () => {
    expect(serializeValue(new Double(2))).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0x40));
    expect(serializeValue(new Double(-0.5))).toEqual(bytes(0, 0, 0, 0, 0, 0, 0xe0, 0xbf));
  });

  it('writes booleans as one byte', () => {
    expect(serializeValue(true)).toEqual(bytes(1));
    expect(serializeValue(false)).toEqual(bytes(0));
  });

  it('writes timestamps and durations as int64 nanoseconds', () => {
    expect(serializeValue(new Timestamp(1000n))).toEqual(bytes(0xe8, 3, 0, 0, 0, 0, 0, 0));
    expect(serializeValue(new Duration(-1n))).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  });
});

describe('serializeValue containers', () => {
  it('writes a map as pairs of key and serialised value', () => {
    expect(serializeValue({ a: 'xy', b: 1n })).toEqual(
      bytes(
        ...[2, 0, 0, 0],
        ...[1, 0, 0, 0, 2, 0, 0, 0],
        ...[1, 0, 0, 0, 8, 0, 0, 0],
        ...ascii('a'), 0, ...ascii('xy'), 0,
        ...ascii('b'), 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
      ),
    );
  });

  it('writes an empty map as a zero count', () => {
    expect(serializeValue({})).toEqual(bytes(0, 0, 0, 0));
  });

  it('writes a list as pairs with the elements as keys and empty values', () => {
    expect(serializeValue(['x', 'yz'])).toEqual(
      bytes(
        ...[2, 0, 0, 0],
        ...[1, 0, 0, 0, 0, 0, 0, 0],
        ...[2, 0, 0, 0, 0, 0, 0, 0],
        ...ascii('x'), 0, 0,
        ...ascii('yz'), 0, 0,
      ),
    );
  });

  it('serialises nested values recursively', () => {
    const inner = [...[1, 0, 0, 0], ...[1, 0, 0, 0, 0, 0, 0, 0], 1, 0, 0];
    expect(serializeValue({ l: [true] })).toEqual(
      bytes(...[1, 0, 0, 0], ...[1, 0, 0, 0, inner.length, 0, 0, 0], ...ascii('l'), 0, ...inner, 0),
    );
    expect(inner.length).toBe(15);
  });
});

describe('isPropertyMap', () => {
  it('accepts plain objects only', () => {
    expect(isPropertyMap({ a: 1 })).toBe(true);
    for (const v of [[], bytes(1), new Double(1), new Timestamp(1n), new Duration(1n), 'x', 1n, null]) {
      expect(isPropertyMap(v)).toBe(false);
    }
  });
});

describe('parseInt64', () => {
  it('parses decimal int64 like SimpleAtoi', () => {
    expect(parseInt64('42')).toBe(42n);
    expect(parseInt64(' +7 ')).toBe(7n);
    expect(parseInt64('-9223372036854775808')).toBe(-9223372036854775808n);
  });

  it('rejects non-decimal and out-of-range input', () => {
    for (const s of ['', 'abc', '1.5', '0x10', '9223372036854775808', '1 2']) expect(parseInt64(s)).toBeUndefined();
  });
});
