/**
 * One header or trailer map by name — of the current stream, or of a callout's answer — as Envoy
 * exposes it: names are case-insensitive, `get` answers the first value, and a map that is no longer
 * available (e.g. request headers after they were forwarded) reads as empty and refuses writes with a
 * HostError.
 */
import { HostFn, MapType, Status, call, check } from './abi.ts';
import { decodePairs, encodePairs, type HeaderPairs } from './codec.ts';

export type HeaderMapName = 'request headers' | 'request trailers' | 'response headers' | 'response trailers' | 'callout headers' | 'callout trailers';

const TYPES: Record<HeaderMapName, number> = {
  'request headers': MapType.RequestHeaders,
  'request trailers': MapType.RequestTrailers,
  'response headers': MapType.ResponseHeaders,
  'response trailers': MapType.ResponseTrailers,
  'callout headers': MapType.HttpCallResponseHeaders,
  'callout trailers': MapType.HttpCallResponseTrailers,
};

export class HeaderMap {
  private readonly mapType: number;

  constructor(readonly name: HeaderMapName) {
    this.mapType = TYPES[name];
  }

  /** The first value of `name`, or undefined when absent or when the map is unavailable. */
  get(name: string): string | undefined {
    const value = call(HostFn.getHeaderMapValue, this.mapType, name);
    return typeof value === 'string' ? value : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** All entries in order, pseudo-headers included. */
  entries(): HeaderPairs {
    const bytes = call(HostFn.getHeaderMapPairs, this.mapType);
    if (typeof bytes === 'number') {
      check(`get ${this.name}`, bytes);
      return [];
    }
    return decodePairs(bytes as ArrayBuffer);
  }

  /** Sets `name` to `value`, replacing any existing values. */
  set(name: string, value: string): void {
    check(`set ${this.name} "${name}"`, call(HostFn.replaceHeaderMapValue, this.mapType, name, value));
  }

  /** Adds one more value for `name`. */
  add(name: string, value: string): void {
    check(`add ${this.name} "${name}"`, call(HostFn.addHeaderMapValue, this.mapType, name, value));
  }

  remove(name: string): void {
    check(`remove ${this.name} "${name}"`, call(HostFn.removeHeaderMapValue, this.mapType, name));
  }

  /** Replaces the whole map. */
  replaceAll(pairs: ReadonlyArray<readonly [string, string]>): void {
    check(`replace ${this.name}`, call(HostFn.setHeaderMapPairs, this.mapType, encodePairs(pairs)));
  }

  /** Whether Envoy still holds this map (false once it was forwarded, or outside its callbacks). */
  get available(): boolean {
    return call(HostFn.getHeaderMapSize, this.mapType) !== -Status.BadArgument;
  }
}
