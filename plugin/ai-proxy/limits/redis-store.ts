/**
 * `backend: redis`: one budget per key for every gateway using the same Redis, decided by one atomic
 * script per limit and request (EVALSHA, falling back to EVAL) over the counts of the current and the
 * previous window, `ai-proxy-ratelimit:{<limit>}:<key>:<window index>` (the limit's name as hash tag, as
 * Higress tags its rule). The plugin passes its own clock (the window index in the key names, the time
 * into the window as an argument), so the decision follows the gateway's time, not the server's. Keys
 * expire after two windows. A decision whose stream ended before its answer (a reset) is undone when the
 * answer arrives; a server whose init was refused is tried again on configure and every few seconds.
 */
import { RedisError, log, type RedisResult } from '../../sdk/index.ts';
import { existingRedisClient, initRedisClient, redisClient } from '../redis/redis-clients.ts';
import type { RateLimit } from './rate-limit.ts';
import { windowIndex, type WindowView } from './sliding-window.ts';

const DECIDE = `local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit, cost, elapsed, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if prev * (window - elapsed) / window + cur + cost > limit then return {0, cur, prev} end
cur = redis.call('INCRBY', KEYS[1], cost)
redis.call('PEXPIRE', KEYS[1], 2 * window)
return {1, cur, prev}`;

const ADJUST = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') return 0 end
return v`;

export interface RedisCharge {
  key: string;
}

export type RedisDecision = { ok: true; admitted: boolean; view: WindowView; charge?: RedisCharge } | { ok: false; error: RedisError };

const user = (limit: RateLimit): string => `rate limit "${limit.name}" (its requests are handled by failureMode "${limit.failureMode}" until an init succeeds)`;

/** Initialises one client per Redis server the limits name (at configure time, again for servers refused before). */
export function initRedisLimits(limits: readonly RateLimit[], nowMs: number): void {
  for (const limit of limits) if (limit.redis) initRedisClient(limit.redis, () => user(limit), nowMs);
}

const redisKey = (limit: RateLimit, key: string, index: number): string => `ai-proxy-ratelimit:{${limit.name}}:${key}:${index}`;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Decides `cost` (≥ 1) against `key` on Redis; `done` gets the decision or the trouble. */
export function decideRedis(limit: RateLimit, key: string, windowMs: number, budget: number, cost: number, nowMs: number, done: (decision: RedisDecision) => void): void {
  const c = redisClient(limit.redis!, () => user(limit), nowMs);
  if (c instanceof RedisError) return done({ ok: false, error: c });
  const index = windowIndex(nowMs, windowMs);
  const elapsedMs = nowMs - index * windowMs;
  const cur = redisKey(limit, key, index);
  const decision = (result: RedisResult): RedisDecision => {
    if (!result.ok) return result;
    const reply = result.value;
    if (!Array.isArray(reply) || reply.length !== 3 || !reply.every(isCount) || (reply[0] !== 0 && reply[0] !== 1)) {
      return { ok: false, error: new RedisError('protocol', 'the rate-limit script answered something other than three counts') };
    }
    const view: WindowView = { cur: reply[1] as number, prev: reply[2] as number, elapsedMs, windowMs };
    const admitted = reply[0] === 1;
    return { ok: true, admitted, view, charge: admitted ? { key: cur } : undefined };
  };
  const orphan = (result: RedisResult) => {
    const late = decision(result);
    if (late.ok && late.charge) adjustRedis(limit, late.charge, -cost);
  };
  c.evalsha(DECIDE, [cur, redisKey(limit, key, index - 1)], [budget, cost, elapsedMs, windowMs], (result: RedisResult) => done(decision(result)), orphan);
}

/**
 * Corrects a charge by `delta`. Sent as EVAL with the script, not EVALSHA: the stream may end before the
 * answer, and a NOSCRIPT answer to an ended stream would never get its EVAL. Nobody waits for it.
 */
export function adjustRedis(limit: RateLimit, charge: RedisCharge, delta: number): void {
  const c = existingRedisClient(limit.redis!);
  if (!c) return;
  c.eval(ADJUST, [charge.key], [delta], (result) => {
    if (!result.ok && log.enabled('debug')) log.debug(`ai-proxy: rate limit "${limit.name}": a correction of ${delta} failed: ${result.error.message}`);
  });
}
