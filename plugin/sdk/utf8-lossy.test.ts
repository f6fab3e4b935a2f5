/**
 * The SDK's replacement decoder (used for bytes the engine found ill-formed) against the WHATWG decoder
 * Node ships: every valid sequence decodes the same, and each invalid part becomes U+FFFD exactly where
 * TextDecoder puts one, on fixed cases and random sequences.
 */
import { describe, expect, it } from 'vitest';
import { decodeUtf8Lossy as utf8Decode } from './utf8-lossy.ts';

const bytes = (...b: number[]) => new Uint8Array(b);
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xff];

describe('utf8Decode', () => {
  it('decodes every kind of sequence', () => {
    expect(utf8Decode(bytes(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80))).toBe('aé€😀');
    expect(utf8Decode(new Uint8Array(0))).toBe('');
  });

  it('replaces invalid parts with U+FFFD as TextDecoder does', () => {
    expect(utf8Decode(bytes(0x61, 0xf0, 0x9f, 0x98, 0x62))).toBe('a\ufffdb');
    expect(utf8Decode(bytes(0xed, 0xa0, 0x80))).toBe('\ufffd\ufffd\ufffd');
    const next = rng(2);
    for (let n = 0; n < 20_000; n++) {
      const b = Uint8Array.from({ length: 1 + Math.floor(next() * 8) }, () => INTERESTING[Math.floor(next() * INTERESTING.length)]);
      expect(utf8Decode(b), `bytes ${Array.from(b, (x) => x.toString(16))}`).toBe(lenient.decode(b));
    }
  });

  it('decodes long ASCII and mixed text across chunk boundaries', () => {
    const ascii = 'x'.repeat(50_001);
    expect(utf8Decode(new TextEncoder().encode(ascii))).toBe(ascii);
    const mixed = 'a'.repeat(8190) + '😀é'.repeat(9000) + 'z'.repeat(8193) + '€';
    expect(utf8Decode(new TextEncoder().encode(mixed))).toBe(mixed);
  });
  it('agrees with a lenient TextDecoder on 20 000 random short sequences', () => {
    const next = rng(7);
    for (let n = 0; n < 20000; n++) {
      const b = new Uint8Array(1 + Math.floor(next() * 8)).map(() =>
        next() < 0.5 ? INTERESTING[Math.floor(next() * INTERESTING.length)]! : Math.floor(next() * 256),
      );
      expect(utf8Decode(b)).toBe(lenient.decode(b));
    }
  });
});
