/**
 * The `rateLimits` list, globally or in a `_rules_` entry (with the `redis` block beside it). A native entry:
 * `name`, `counts` (requests | tokens), `window` (second | minute | hour | day), `limit`, `by`, `keys`
 * (per-key limits), `backend` (local | redis), `skipWhenMissing`, `failureMode` (open | closed),
 * `showLimitHeaders`, and for token limits `defaultMaxTokens`; `maxLocalKeys` bounds a local limit's
 * key slots. An entry written in Higress's `ai-token-ratelimit` / `cluster-key-rate-limit` shape
 * (`rule_name`, …) is read by `higress-limit-config.ts` into the same limits. `backend: redis` needs the
 * Higress build and a `redis` block; names are unique in the list (metrics, Redis keys and rejection
 * codes carry them).
 */
import { ConfigError, fieldPath, isJsonObject, kindOnly, readString } from '../../sdk/config/index.ts';
import { requireHigressBuild } from '../../sdk/index.ts';
import { WINDOWS, type Allowance, type RateLimit } from './rate-limit.ts';
import type { RedisTarget } from '../redis/redis-target.ts';
import { isHigressShape, readHigressLimit } from './higress-limit-config.ts';
import { NAME, readCommonOptions, readKeySource, readLimitValue } from './limit-fields.ts';

export interface LimitsConfig {
  rateLimits: RateLimit[];
}

const NATIVE = new Set(['name', 'counts', 'window', 'limit', 'by', 'keys', 'backend', 'skipWhenMissing', 'failureMode', 'showLimitHeaders', 'defaultMaxTokens', 'countCached', 'maxLocalKeys']);
function readNative(json: Record<string, unknown>, path: string, redis: RedisTarget | undefined): RateLimit {
  for (const key of Object.keys(json)) {
    if (!NATIVE.has(key)) throw new ConfigError(fieldPath(path, key), kindOnly(json[key]), `one of the fields ${[...NATIVE].join(', ')} (or an entry in Higress's shape, with rule_name)`);
  }
  const name = readString(json, 'name', path);
  if (!NAME.test(name)) throw new ConfigError(fieldPath(path, 'name'), name, 'a name of 1 to 64 letters, digits, _, . or -');
  const counts = readString(json, 'counts', path, { oneOf: ['requests', 'tokens'] }) as RateLimit['counts'];
  const windowMs = WINDOWS[readString(json, 'window', path, { oneOf: Object.keys(WINDOWS) })]!;
  const by = readKeySource(readString(json, 'by', path, { default: 'global' }), fieldPath(path, 'by'));
  const exact = new Map<string, Allowance>();
  if (json.keys !== undefined && json.keys !== null) {
    const keys = json.keys;
    if (!isJsonObject(keys)) throw new ConfigError(fieldPath(path, 'keys'), keys, 'an object of key value → limit');
    for (const key of Object.keys(keys)) exact.set(key, { limit: readLimitValue(keys, key, fieldPath(path, 'keys')), windowMs });
  }
  const fallback = json.limit === undefined && exact.size > 0 ? undefined : { limit: readLimitValue(json, 'limit', path), windowMs };
  const backend = readString(json, 'backend', path, { oneOf: ['local', 'redis'], default: 'local' }) as RateLimit['backend'];
  if (backend === 'redis') {
    requireHigressBuild(fieldPath(path, 'backend'), backend, 'a Redis rate limit');
    if (!redis) throw new ConfigError(fieldPath(path, 'backend'), backend, '"local", or a top-level "redis" block naming the server (serviceName, servicePort, …)');
  }
  return { name, counts, by, exact, patterns: [], fallback, backend, redis: backend === 'redis' ? redis : undefined, ...readCommonOptions(json, path, counts), rejectedStatus: 429 };
}

/** `rateLimits` of one configuration (global fields, or a rule's merged over them), with its `redis` block. */
export function readLimitsConfig(json: Record<string, unknown>, path: string, redis: RedisTarget | undefined): LimitsConfig {
  const list = json.rateLimits ?? [];
  const at = fieldPath(path, 'rateLimits');
  if (!Array.isArray(list)) throw new ConfigError(at, list, 'an array of rate limits');
  const rateLimits = list.flatMap((entry, i): RateLimit[] => {
    const where = `${at}[${i}]`;
    if (!isJsonObject(entry)) throw new ConfigError(where, entry, 'a rate limit object');
    return isHigressShape(entry) ? readHigressLimit(entry, where) : [readNative(entry, where, redis)];
  });
  const seen = new Set<string>();
  for (const limit of rateLimits) {
    if (seen.has(limit.name)) throw new ConfigError(at, limit.name, 'limits with names no other limit in the list uses');
    seen.add(limit.name);
  }
  return { rateLimits };
}
