/**
 * The `cache` block (globally, in a `_rules_` entry, or on a provider, which then wins):
 * `{"enabled": true, "backend": "local", "ttl": 300, "maxEntryBytes": 1048576, "maxLocalBytes": 67108864,
 * "maxLocalEntries": 4096, "scope": "consumer", "ignoreFields": ["user"]}`. `backend: redis` needs the
 * Higress build and the top-level `redis` block of the rate limits.
 */
import { ConfigError, fieldPath, isJsonObject, kindOnly, readBoolean, readNumber, readString, readStringArray } from '../../sdk/config/index.ts';
import { requireHigressBuild } from '../../sdk/index.ts';
import type { RedisTarget } from '../redis/redis-target.ts';

export interface CacheConfig {
  backend: 'local' | 'redis';
  redis?: RedisTarget;
  ttlMs: number;
  maxEntryBytes: number;
  maxLocalBytes: number;
  maxLocalEntries: number;
  scope: 'consumer' | 'global';
  /** Top-level request fields left out of the key, besides `stream` and `stream_options`. */
  ignoreFields: ReadonlySet<string>;
}

const FIELDS = ['enabled', 'backend', 'ttl', 'maxEntryBytes', 'maxLocalBytes', 'maxLocalEntries', 'scope', 'ignoreFields'];

/** The block at `path`, or undefined when it is absent or disabled. */
export function readCacheConfig(value: unknown, path: string, redis: RedisTarget | undefined): CacheConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw new ConfigError(path, value, `an object with ${FIELDS.join(', ')}`);
  for (const key of Object.keys(value)) if (!FIELDS.includes(key)) throw new ConfigError(fieldPath(path, key), kindOnly(value[key]), `one of the fields ${FIELDS.join(', ')}`);
  if (!readBoolean(value, 'enabled', path, { default: true })) return undefined;
  const backend = readString(value, 'backend', path, { oneOf: ['local', 'redis'], default: 'local' }) as CacheConfig['backend'];
  if (backend === 'redis') {
    requireHigressBuild(fieldPath(path, 'backend'), backend, 'a Redis cache');
    if (!redis) throw new ConfigError(fieldPath(path, 'backend'), backend, '"local", or a top-level "redis" block naming the server (serviceName, servicePort, …)');
  }
  const maxEntryBytes = readNumber(value, 'maxEntryBytes', path, { integer: true, min: 1024, max: 64 * 1024 * 1024, default: 1024 * 1024 });
  const maxLocalBytes = readNumber(value, 'maxLocalBytes', path, { integer: true, min: 1024, max: 4 * 1024 * 1024 * 1024, default: 64 * 1024 * 1024 });
  return {
    backend,
    redis: backend === 'redis' ? redis : undefined,
    ttlMs: readNumber(value, 'ttl', path, { integer: true, min: 1, max: 30 * 86400, default: 300 }) * 1000,
    maxEntryBytes,
    maxLocalBytes,
    maxLocalEntries: readNumber(value, 'maxLocalEntries', path, { integer: true, min: 64, max: 65_536, default: 4096 }),
    scope: readString(value, 'scope', path, { oneOf: ['consumer', 'global'], default: 'consumer' }) as CacheConfig['scope'],
    ignoreFields: new Set(readStringArray(value, 'ignoreFields', path, { default: [] })),
  };
}
