/**
 * One header or trailer map by name — of the current stream, or of a callout's answer — as Envoy
 * exposes it: names are case-insensitive, `get` answers the first value, and a map that is no longer
 * available (e.g. request headers after they were forwarded) reads as empty and refuses writes with a
 * HostError. Whole maps cross the ABI as one string of names and values each followed by NUL, which
 * the engine decodes and encodes natively: `flat()` and `headerValue` read a map once for many lookups,
 * and `rewrite` removes and sets many headers in one call.
 */
import * as host from './host-calls.ts';
import { MapType, Status, raise } from './abi.ts';
import { decodePairs, encodeUtf8, encodePairs, type HeaderPairs } from './codec.ts';

export type HeaderMapName = 'request headers' | 'request trailers' | 'response headers' | 'response trailers' | 'callout headers' | 'callout trailers';

const TYPES: Record<HeaderMapName, number> = {
  'request headers': MapType.RequestHeaders,
  'request trailers': MapType.RequestTrailers,
  'response headers': MapType.ResponseHeaders,
  'response trailers': MapType.ResponseTrailers,
  'callout headers': MapType.HttpCallResponseHeaders,
  'callout trailers': MapType.HttpCallResponseTrailers,
};

/** The first value of `name` (lower-case, as Envoy keeps names) in a flat list read by `HeaderMap.flat()`. */
export function headerValue(flat: readonly string[], name: string): string | undefined {
  let i = flat.indexOf(name);
  while (i !== -1 && (i & 1) === 1) i = flat.indexOf(name, i + 1);
  return i === -1 ? undefined : flat[i + 1];
}

/** Header names for `HeaderMap.rewrite`, lower-cased and encoded once. */
export class HeaderNames {
  readonly names: readonly string[];
  readonly encoded: ArrayBuffer;

  constructor(names: readonly string[]) {
    this.names = names.map((name) => name.toLowerCase());
    this.encoded = encodeUtf8(this.names.map((name) => `${name}\0`).join(''));
  }
}

export class HeaderMap {
  private readonly mapType: number;

  constructor(readonly name: HeaderMapName) {
    this.mapType = TYPES[name];
  }

  /** The first value of `name`, or undefined when absent or when the map is unavailable. */
  get(name: string): string | undefined {
    const value = host.getHeaderMapValue(this.mapType, name);
    return typeof value === 'string' ? value : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** All entries in order, pseudo-headers included. */
  entries(): HeaderPairs {
    const flat = this.flat();
    const pairs: HeaderPairs = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
    return pairs;
  }

  /** The entries as one list, names at even and values at odd indices. */
  flat(): string[] {
    const answer = host.getHeaderMapText(this.mapType);
    if (typeof answer === 'string') {
      if (answer === '') return [];
      const parts = answer.split('\0');
      parts.length--;
      return parts;
    }
    if (typeof answer === 'number') {
      if (answer !== Status.Ok) raise(`get ${this.name}`, answer);
      return [];
    }
    const flat: string[] = [];
    for (const [name, value] of decodePairs(answer)) flat.push(name, value);
    return flat;
  }

  /** Sets `name` to `value`, replacing any existing values. */
  set(name: string, value: string): void {
    const status = host.replaceHeaderMapValue(this.mapType, name, value);
    if (status !== Status.Ok) raise(`set ${this.name} "${name}"`, status);
  }

  /** Adds one more value for `name`. */
  add(name: string, value: string): void {
    const status = host.addHeaderMapValue(this.mapType, name, value);
    if (status !== Status.Ok) raise(`add ${this.name} "${name}"`, status);
  }

  remove(name: string): void {
    const status = host.removeHeaderMapValue(this.mapType, name);
    if (status !== Status.Ok) raise(`remove ${this.name} "${name}"`, status);
  }

  /** Replaces the whole map. */
  replaceAll(pairs: ReadonlyArray<readonly [string, string]>): void {
    const flat: string[] = [];
    for (const [name, value] of pairs) flat.push(name, value);
    this.replaceFlat(flat);
  }

  /**
   * Replaces the whole map with `flat` (names at even, values at odd indices). More than 1024 entries or
   * 1 MiB are refused with a RangeError: Envoy would silently clear the map instead.
   */
  replaceFlat(flat: readonly string[]): void {
    const count = flat.length >> 1;
    let status = host.setHeaderMapText(count === 0 ? '' : flat.join('\0') + '\0', count, this.mapType);
    if (status === -2) throw new RangeError(`replace ${this.name}: ${count} headers exceed what Envoy accepts at once (1024 entries, 1 MiB)`);
    if (status === -1) {
      const pairs: HeaderPairs = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      status = host.setHeaderMapPairs(this.mapType, encodePairs(pairs));
    }
    if (status !== Status.Ok) raise(`replace ${this.name}`, status);
  }

  /**
   * Removes every header named in `remove` or in `set` (names at even, values at odd indices; names
   * compared without case) and then adds every pair of `set`, as `remove` and `add` would one by one,
   * in one host call that reads and writes the map where Envoy holds it. Past 1024 entries or 1 MiB it
   * throws a RangeError, as `replaceAll` does.
   */
  rewrite(remove: HeaderNames, set: readonly string[]): void {
    const count = set.length >> 1;
    if (this.rewriteCall(remove, count === 0 ? '' : set.join('\0') + '\0', count)) this.rewriteEach(remove, set);
  }

  /**
   * `rewrite` with the pairs to set already joined as `text`: each name and value followed by NUL,
   * `count` pairs (names and values hold no NUL), e.g. parts precomputed once and joined per request.
   */
  rewriteText(remove: HeaderNames, text: string, count: number): void {
    if (!this.rewriteCall(remove, text, count)) return;
    const set = text.split('\0');
    if (set.length !== 2 * count + 1 || set[2 * count] !== '') throw new RangeError(`rewrite ${this.name}: ${count} pairs expected, each name and value followed by NUL`);
    this.rewriteEach(remove, set);
  }

  /** The one-call rewrite; true when the engine declined it (text not UTF-8 or not `count` pairs). */
  private rewriteCall(remove: HeaderNames, text: string, count: number): boolean {
    const status = host.rewriteHeaderMap(remove.encoded, text, count, this.mapType);
    if (status === -1) return true;
    if (status === -2) throw new RangeError(`rewrite ${this.name}: the result exceeds what Envoy accepts at once (1024 entries, 1 MiB)`);
    if (status !== Status.Ok) raise(`rewrite ${this.name}`, status);
    return false;
  }

  private rewriteEach(remove: HeaderNames, set: readonly string[]): void {
    const end = set.length & ~1;
    for (const name of remove.names) this.remove(name);
    for (let i = 0; i < end; i += 2) this.remove(set[i]);
    for (let i = 0; i < end; i += 2) this.add(set[i], set[i + 1].toWellFormed());
  }

  /** Whether Envoy still holds this map (false once it was forwarded, or outside its callbacks). */
  get available(): boolean {
    return host.getHeaderMapSize(this.mapType) !== -Status.BadArgument;
  }
}
