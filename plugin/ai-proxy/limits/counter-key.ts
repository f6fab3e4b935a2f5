/**
 * Which allowance a request's key value gets (an exact key, then the patterns in order, then the
 * default; a missing value is `""` unless the limit skips it) and the name its counter is stored under:
 * the SHA-256 of a header, query parameter or cookie value (a limit `by` an API-key header must not store
 * the key), of a long value or of one that looks like a credential; else the value itself (consumer,
 * address, route, model), so no secret lands in shared data or Redis key names.
 */
import { looksLikeCredential } from '../../sdk/config/index.ts';
import { sha256Hex } from '../../sdk/index.ts';
import { inCidr, parseIp } from './ip-match.ts';
import type { Allowance, KeyClass, KeySource, RateLimit } from './rate-limit.ts';

const MAX_KEY_CHARS = 128;

export interface Applied {
  allowance: Allowance;
  keyClass: KeyClass;
  /** The counter's name within the limit. */
  counter: string;
}

const HASHED = new Set<KeySource['kind']>(['header', 'query', 'cookie']);
const HASH_PREFIX = 'sha256:';

export function counterName(value: string, source: KeySource): string {
  if (value === '') return value;
  const hashed = HASHED.has(source.kind) || value.length > MAX_KEY_CHARS || value.startsWith(HASH_PREFIX) || looksLikeCredential(value);
  return hashed ? `${HASH_PREFIX}${sha256Hex(value)}` : value;
}

/** The allowance for `value` (undefined: absent from the request), or undefined when the limit does not apply to it. */
export function applyTo(limit: RateLimit, value: string | undefined): Applied | undefined {
  if (value === undefined && limit.skipWhenMissing) return undefined;
  const text = value ?? '';
  const exact = limit.exact.get(text);
  if (exact) return { allowance: exact, keyClass: 'key', counter: counterName(text, limit.by) };
  if (limit.patterns.length > 0) {
    let ip: Uint8Array | undefined;
    let parsed = false;
    for (const pattern of limit.patterns) {
      if (pattern.kind === 'cidr' && !parsed) {
        ip = parseIp(text);
        parsed = true;
      }
      if (pattern.kind === 'regexp' ? pattern.re.test(text) : ip !== undefined && inCidr(pattern.cidr, ip)) {
        return { allowance: pattern.allowance, keyClass: 'pattern', counter: counterName(text, limit.by) };
      }
    }
  }
  if (!limit.fallback) return undefined;
  return { allowance: limit.fallback, keyClass: value === undefined ? 'missing' : 'default', counter: counterName(text, limit.by) };
}
