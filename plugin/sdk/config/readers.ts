/**
 * The configuration field readers: a `ConfigError` names the field path (e.g.
 * `_rules_[1]._match_domain_[0]`), a description of the value received (config/describe.ts: never
 * configuration text beyond field names and non-secret scalars) and the expected form. The `read*`
 * helpers validate one field of a parsed JSON object and throw a ConfigError with the full path; a
 * missing field (absent or `null`) yields the default, undefined when optional, else an error.
 */
import { describeValue, looksLikeCredential } from './describe.ts';

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${field}: expected ${expected}, got ${describeValue(value)}`);
    this.name = 'ConfigError';
  }
}

/** `path.field`, or `field` at the top level (path ''); a field name that looks like a credential is not shown. */
export function fieldPath(path: string, field: string): string {
  const name = looksLikeCredential(field) ? '<a name that looks like a credential>' : field;
  return path === '' ? name : `${path}.${name}`;
}

export interface Presence<T> {
  optional?: boolean;
  default?: T;
}
type Read<T, O> = O extends { default: T } ? T : O extends { optional: true } ? T | undefined : T;
type Json = Record<string, unknown>;

function read<T>(
  obj: Json,
  field: string,
  path: string,
  options: Presence<T>,
  expected: string,
  accept: (value: unknown, at: string) => T | undefined,
): T | undefined {
  const at = fieldPath(path, field);
  const value = obj[field];
  if (value === undefined || value === null) {
    if (options.default !== undefined) return options.default;
    if (options.optional) return undefined;
    throw new ConfigError(at, value, expected);
  }
  const result = accept(value, at);
  if (result === undefined) throw new ConfigError(at, value, expected);
  return result;
}

export interface StringOptions extends Presence<string> {
  /** The allowed values. */
  oneOf?: readonly string[];
  /** Rejects ''. */
  nonEmpty?: boolean;
}

export function readString<O extends StringOptions = {}>(obj: Json, field: string, path: string, options?: O): Read<string, O> {
  const o: StringOptions = options ?? {};
  const expected = o.oneOf
    ? `one of ${o.oneOf.map((v) => JSON.stringify(v)).join(', ')}`
    : o.nonEmpty ? 'a non-empty string' : 'a string';
  return read(obj, field, path, o, expected, (v) =>
    typeof v === 'string' && (!o.oneOf || o.oneOf.includes(v)) && (!o.nonEmpty || v !== '') ? v : undefined,
  ) as Read<string, O>;
}

export interface NumberOptions extends Presence<number> {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function readNumber<O extends NumberOptions = {}>(obj: Json, field: string, path: string, options?: O): Read<number, O> {
  const o: NumberOptions = options ?? {};
  const { min, max } = o;
  let expected = o.integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) expected += ` from ${min} to ${max}`;
  else if (min !== undefined) expected += ` >= ${min}`;
  else if (max !== undefined) expected += ` <= ${max}`;
  return read(obj, field, path, o, expected, (v) =>
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!o.integer || Number.isInteger(v)) &&
    (min === undefined || v >= min) &&
    (max === undefined || v <= max)
      ? v
      : undefined,
  ) as Read<number, O>;
}

export function readBoolean<O extends Presence<boolean> = {}>(obj: Json, field: string, path: string, options?: O): Read<boolean, O> {
  return read(obj, field, path, options ?? {}, 'true or false', (v) => (typeof v === 'boolean' ? v : undefined)) as Read<boolean, O>;
}

export interface StringArrayOptions extends Presence<string[]> {
  /** Rejects an empty array. */
  nonEmpty?: boolean;
}

/** An array of strings; a wrong entry is reported at `path.field[i]`. */
export function readStringArray<O extends StringArrayOptions = {}>(obj: Json, field: string, path: string, options?: O): Read<string[], O> {
  const o: StringArrayOptions = options ?? {};
  const expected = o.nonEmpty ? 'a non-empty array of strings' : 'an array of strings';
  return read(obj, field, path, o, expected, (v, at) => {
    if (!Array.isArray(v) || (o.nonEmpty && v.length === 0)) return undefined;
    v.forEach((entry, i) => {
      if (typeof entry !== 'string') throw new ConfigError(`${at}[${i}]`, entry, 'a string');
    });
    return v as string[];
  }) as Read<string[], O>;
}

export function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readObject<O extends Presence<Json> = {}>(obj: Json, field: string, path: string, options?: O): Read<Json, O> {
  return read(obj, field, path, options ?? {}, 'an object', (v) => (isJsonObject(v) ? v : undefined)) as Read<Json, O>;
}
