/**
 * `backend: redis`: cached answers shared by every gateway using the server, `ai-proxy-cache:<digest>`
 * written with `SET … PX <ttl>` (so Redis expires them) and read with `GET`; the entry format is the
 * local one. Trouble (an error, no connection, a timeout) is a miss for the request, counted
 * (`ai_proxy.cache.redis_failure`) and logged once per minute; a store nobody waits for.
 */
import { Counter, encodeUtf8, log, metric, now, RedisError } from '../../sdk/index.ts';
import { existingRedisClient, initRedisClient, redisClient } from '../redis/redis-clients.ts';
import type { CacheConfig } from './cache-config.ts';
import { decodeEntry, encodeEntry, type CacheEntry } from './cache-entry.ts';

const USER = (): string => 'response cache (lookups are misses until an init succeeds)';
const redisKey = (digest: string): string => `ai-proxy-cache:${digest}`;

let failures: Counter | undefined;
let warnedMinute = -1;
function trouble(error: RedisError): void {
  (failures ??= metric(Counter, 'ai_proxy.cache.redis_failure')).increment(1);
  const minute = Math.floor(now() / 60_000);
  if (minute === warnedMinute) return;
  warnedMinute = minute;
  log.warn(`ai-proxy: the response cache could not use Redis (${error.kind}: ${error.message}); requests go upstream meanwhile — logged once per minute`);
}

export function initRedisCache(c: CacheConfig, nowMs: number): void {
  if (c.redis) initRedisClient(c.redis, USER, nowMs);
}

/** Looks `digest` up; `done` gets the entry with exactly `key`, or undefined (a miss, or trouble). */
export function lookupRedis(c: CacheConfig, digest: string, key: string, nowMs: number, done: (entry: CacheEntry | undefined) => void): void {
  const client = redisClient(c.redis!, USER, nowMs);
  if (client instanceof RedisError) {
    trouble(client);
    return done(undefined);
  }
  client.get(redisKey(digest), (result) => {
    if (!result.ok) {
      trouble(result.error);
      return done(undefined);
    }
    const value = result.value;
    if (value === null) return done(undefined);
    const entry = decodeEntry(new Uint8Array(typeof value === 'string' ? encodeUtf8(value) : value));
    done(entry && entry.key === key && entry.expiresMs > nowMs ? entry : undefined);
  });
}

/** Sends the entry (nobody waits for the answer); false when there is no client to send it with. */
export function storeRedis(c: CacheConfig, digest: string, entry: CacheEntry): boolean {
  const client = existingRedisClient(c.redis!);
  if (!client) return false;
  client.set(redisKey(digest), encodeEntry(entry), { px: c.ttlMs }, (result) => {
    if (!result.ok) trouble(result.error);
  });
  return true;
}
