/** Clock and randomness for plugins: host time, and random bytes from WASI (never a frozen Math.random). */
import * as host from './host-calls.ts';

/** Wall-clock time in milliseconds, as Envoy sees it. */
export function now(): number {
  return (host.getCurrentTimeNanoseconds() as number) / 1e6;
}

export function randomBytes(count: number): Uint8Array {
  return new Uint8Array(host.randomBytes(count) as ArrayBuffer);
}

/** A uniformly random integer in [0, bound). */
export function randomInt(bound: number): number {
  const bytes = randomBytes(4);
  const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return value % bound;
}
