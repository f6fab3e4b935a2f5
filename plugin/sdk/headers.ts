/**
 * One header or trailer map by name — of the current stream, or of a callout's answer — as Envoy
 * exposes it: names are case-insensitive, `get` answers the first value, and a map that is no longer
 * available (e.g. request headers after they were forwarded) reads as empty and refuses writes with a
 * HostError.
 */
import * as host from './host-calls.ts';
import { MapType, Status, raise } from './abi.ts';
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
    const value = host.getHeaderMapValue(this.mapType, name);
    return typeof value === 'string' ? value : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** All entries in order, pseudo-headers included. */
  entries(): HeaderPairs {
    const bytes = host.getHeaderMapPairs(this.mapType);
    if (typeof bytes === 'number') {
      if (bytes !== Status.Ok) raise(`get ${this.name}`, bytes);
      return [];
    }
    return decodePairs(bytes as ArrayBuffer);
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
    const status = host.setHeaderMapPairs(this.mapType, encodePairs(pairs));
    if (status !== Status.Ok) raise(`replace ${this.name}`, status);
  }

  /** Whether Envoy still holds this map (false once it was forwarded, or outside its callbacks). */
  get available(): boolean {
    return host.getHeaderMapSize(this.mapType) !== -Status.BadArgument;
  }
}
