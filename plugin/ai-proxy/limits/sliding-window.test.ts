/**
 * The sliding-window arithmetic, property-based: `waitMs` is the first millisecond at which a cost fits
 * as the window slides on (checked by sliding the view forward, across the boundary too), `fullResetMs`
 * the time until nothing counts, `remaining` never negative; the duration format OpenAI uses; IP and
 * range matching (IPv4, IPv6, IPv4-mapped).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fits, fullResetMs, remaining, roll, used, waitMs, type WindowView } from './sliding-window.ts';
import { duration } from './limit-headers.ts';
import { inCidr, parseCidr, parseIp, withoutPort } from './ip-match.ts';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);

/** The view `t` ms later, nothing charged meanwhile. */
function later(v: WindowView, t: number): WindowView {
  const at = v.elapsedMs + t;
  const windows = Math.floor(at / v.windowMs);
  const counts = roll({ index: 0, cur: v.cur, prev: v.prev }, windows);
  return { ...counts, elapsedMs: at - windows * v.windowMs, windowMs: v.windowMs };
}

const views = fc.record({ windowMs: fc.constantFrom(1000, 60_000, 3_600_000), frac: fc.double({ min: 0, max: 0.999, noNaN: true }), cur: fc.integer({ min: 0, max: 500 }), prev: fc.integer({ min: 0, max: 500 }) }).map(
  ({ windowMs, frac, cur, prev }): WindowView => ({ cur, prev, windowMs, elapsedMs: Math.floor(frac * windowMs) }),
);

describe('sliding window', () => {
  it('waitMs is when the cost first fits as the window slides', () => {
    fc.assert(
      fc.property(views, fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 600 }), (v, limit, cost) => {
        const wait = waitMs(v, limit, cost);
        if (cost > limit) {
          expect(wait).toBe(Infinity);
          return;
        }
        expect(fits(later(v, wait), limit, cost)).toBe(true);
        if (wait > 1) expect(fits(later(v, wait - 2), limit, cost)).toBe(false);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('fullResetMs is when nothing counts any more; remaining stays within 0..limit', () => {
    fc.assert(
      fc.property(views, fc.integer({ min: 0, max: 1000 }), (v, limit) => {
        const reset = fullResetMs(v);
        expect(used(later(v, reset))).toBe(0);
        if (reset > 0) expect(used(later(v, reset - 1))).toBeGreaterThan(0);
        const left = remaining(v, limit);
        expect(left).toBeGreaterThanOrEqual(0);
        expect(left).toBeLessThanOrEqual(limit);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('rolls stored counts forward: same window, the next one, or long ago', () => {
    expect(roll({ index: 5, cur: 3, prev: 2 }, 5)).toEqual({ cur: 3, prev: 2 });
    expect(roll({ index: 5, cur: 3, prev: 2 }, 6)).toEqual({ cur: 0, prev: 3 });
    expect(roll({ index: 5, cur: 3, prev: 2 }, 7)).toEqual({ cur: 0, prev: 0 });
    expect(roll({ index: 9, cur: 3, prev: 2 }, 7)).toEqual({ cur: 0, prev: 0 });
    expect(roll(undefined, 7)).toEqual({ cur: 0, prev: 0 });
  });
});

describe('reset durations as OpenAI writes them', () => {
  it.each([
    [0, '0ms'], [20, '20ms'], [999, '999ms'], [1000, '1s'], [1500, '1.5s'], [59_900, '59.9s'], [59_950, '1m0s'], [60_000, '1m0s'], [90_000, '1m30s'], [3_723_000, '1h2m3s'],
  ])('%d ms → %s', (ms, text) => expect(duration(ms)).toBe(text));
});

describe('IP addresses and ranges', () => {
  it('matches IPv4 ranges, IPv6 ranges and IPv4-mapped addresses', () => {
    const net = parseCidr('10.0.0.0/8')!;
    expect(inCidr(net, parseIp('10.255.1.2')!)).toBe(true);
    expect(inCidr(net, parseIp('11.0.0.1')!)).toBe(false);
    expect(inCidr(net, parseIp('::ffff:10.1.2.3')!)).toBe(true);
    const v6 = parseCidr('2001:db8::/32')!;
    expect(inCidr(v6, parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(inCidr(v6, parseIp('2001:db9::1')!)).toBe(false);
    expect(inCidr(parseCidr('192.168.1.7')!, parseIp('192.168.1.7')!)).toBe(true);
    expect(inCidr(parseCidr('192.168.1.0/25')!, parseIp('192.168.1.128')!)).toBe(false);
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '::g', '1.2.3.4/33', '::/129', '']) expect(parseCidr(bad), bad).toBeUndefined();
    expect([withoutPort('1.2.3.4:80'), withoutPort('[::1]:8080'), withoutPort('::1'), withoutPort('1.2.3.4')]).toEqual(['1.2.3.4', '::1', '::1', '1.2.3.4']);
  });

  it('an address is in its own /32 or /128 and in /0; random text never throws', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV6(), fc.string(), (v4, v6, text) => {
        expect(inCidr(parseCidr(`${v4}/32`)!, parseIp(v4)!)).toBe(true);
        expect(inCidr(parseCidr(`${v6}/128`)!, parseIp(v6)!)).toBe(true);
        expect(inCidr(parseCidr('0.0.0.0/0')!, parseIp(v4)!)).toBe(true);
        parseCidr(text);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
