/**
 * `retryOnFailure` of a provider, with Higress's field names and defaults (higress-ai-proxy.md §2.4,
 * traffic-management §B): `enabled` (false), `maxRetries` (1), `retryTimeout` (30000 ms per retry),
 * `retryOnStatus` (`["4.*", "5.*"]`: regular expressions matched against the three-digit status
 * without anchors, as Go's `regexp.MatchString` does, so `4.*` also matches 504). Disabled or absent
 * means no retry.
 */
import { ConfigError, fieldPath, isJsonObject, readBoolean, readNumber, readStringArray } from '../../sdk/config/index.ts';

export interface RetryConfig {
  maxRetries: number;
  retryTimeoutMs: number;
  /** Every status 100–599 that `retryOnStatus` matches, decided once here so a failure costs no regex. */
  statuses: ReadonlySet<number>;
}

const MAX_PATTERN = 200;

/**
 * A list of regular expressions over three-digit statuses (`field` of `json`, default `defaults`),
 * matched without anchors as Go's `regexp.MatchString`: the statuses 100–599 any of them matches.
 */
export function readStatusPatterns(json: Record<string, unknown>, field: string, at: string, defaults: string[]): ReadonlySet<number> {
  const patterns = readStringArray(json, field, at, { default: defaults });
  const compiled = patterns.map((text, i) => {
    const where = `${fieldPath(at, field)}[${i}]`;
    if (text.length === 0 || text.length > MAX_PATTERN) throw new ConfigError(where, text, `a regular expression of 1 to ${MAX_PATTERN} characters`);
    try {
      return new RegExp(text);
    } catch {
      throw new ConfigError(where, text, 'a regular expression');
    }
  });
  const statuses = new Set<number>();
  for (let status = 100; status < 600; status++) if (compiled.some((re) => re.test(String(status)))) statuses.add(status);
  return statuses;
}

export function readRetryConfig(json: Record<string, unknown>, path: string): RetryConfig | undefined {
  const raw = json.retryOnFailure;
  if (raw === undefined || raw === null) return undefined;
  const at = fieldPath(path, 'retryOnFailure');
  if (!isJsonObject(raw)) throw new ConfigError(at, raw, 'an object {enabled, maxRetries, retryTimeout, retryOnStatus}');
  for (const key of Object.keys(raw)) {
    if (!['enabled', 'maxRetries', 'retryTimeout', 'retryOnStatus'].includes(key)) throw new ConfigError(fieldPath(at, key), undefined, 'one of enabled, maxRetries, retryTimeout, retryOnStatus');
  }
  if (!readBoolean(raw, 'enabled', at, { default: false })) return undefined;
  const statuses = readStatusPatterns(raw, 'retryOnStatus', at, ['4.*', '5.*']);
  return {
    maxRetries: readNumber(raw, 'maxRetries', at, { integer: true, min: 0, max: 10, default: 1 }),
    retryTimeoutMs: readNumber(raw, 'retryTimeout', at, { integer: true, min: 1, default: 30000 }),
    statuses,
  };
}
