/**
 * Property values as Envoy's CEL layer hands them to `proxy_get_property`, and their byte form
 * (Envoy `serializeValue`, reference §5): strings and bytes raw, int64/uint64 and double as 8
 * little-endian bytes, bool as one byte, timestamps and durations as int64 nanoseconds, maps as
 * proxy-wasm pairs of (key, serialised value) and lists as pairs whose keys are the serialised
 * elements and whose values are empty.
 */

import { encodePairs } from '../codec/pairs.ts';
import { encodeUtf8 } from '../codec/utf8.ts';

export class Double {
  constructor(readonly value: number) {}
}

export class Timestamp {
  constructor(readonly nanos: bigint) {}
}

export class Duration {
  constructor(readonly nanos: bigint) {}
}

export type PropertyMap = { [key: string]: PropertyValue };

export type PropertyValue =
  | string
  | Uint8Array
  | bigint
  | number
  | boolean
  | PropertyValue[]
  | PropertyMap
  | Double
  | Timestamp
  | Duration;

const EMPTY = new Uint8Array(0);

/** True for the plain-object map form of a value (not bytes, list, or one of the wrapper classes). */
export function isPropertyMap(v: unknown): v is PropertyMap {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Double) &&
    !(v instanceof Timestamp) &&
    !(v instanceof Duration)
  );
}

/** Decimal int64 parsing as absl `SimpleAtoi` does it (sign and surrounding blanks allowed); undefined if invalid. */
export function parseInt64(s: string): bigint | undefined {
  if (!/^\s*[+-]?\d+\s*$/.test(s)) return undefined;
  const n = BigInt(s.trim());
  return n === BigInt.asIntN(64, n) ? n : undefined;
}

function int64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return out;
}

function float64(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v, true);
  return out;
}

/** Serialises a value exactly as Envoy does; integral numbers are int64, other numbers double. */
export function serializeValue(v: PropertyValue): Uint8Array {
  if (typeof v === 'string') return encodeUtf8(v);
  if (typeof v === 'bigint') return int64(v);
  if (typeof v === 'number') return Number.isInteger(v) ? int64(BigInt(v)) : float64(v);
  if (typeof v === 'boolean') return Uint8Array.of(v ? 1 : 0);
  if (v instanceof Uint8Array) return v.slice();
  if (v instanceof Double) return float64(v.value);
  if (v instanceof Timestamp || v instanceof Duration) return int64(v.nanos);
  if (Array.isArray(v)) return encodePairs(v.map((e) => [serializeValue(e), EMPTY] as const));
  return encodePairs(Object.entries(v).map(([k, e]) => [k, serializeValue(e)] as const));
}
