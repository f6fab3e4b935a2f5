/**
 * One Redis client per server (cluster, database, user, password, timeout) for everything the proxy
 * keeps on Redis (rate limits, the response cache), initialised at configure time. A refused init (e.g.
 * a cluster Envoy does not know yet) is logged once, answered as that error meanwhile, and tried again
 * on the next configure and at most every `RETRY_INIT_MS` when a request needs the client.
 */
import { RedisError, log, redisInit, type RedisClient } from '../../sdk/index.ts';
import type { RedisTarget } from './redis-target.ts';

const clients = new Map<string, RedisClient>();
const refused = new Map<string, { error: RedisError; at: number }>();
export const RETRY_INIT_MS = 5000;
const keys = new WeakMap<RedisTarget, string>();
/** The server a target names, built once per parsed target (requests ask for their client on every call). */
function clientKey(t: RedisTarget): string {
  let key = keys.get(t);
  if (key === undefined) keys.set(t, (key = `${t.cluster}\0${t.database}\0${t.username}\0${t.password}\0${t.timeoutMs}`));
  return key;
}

/** `user`: who needs it and what happens without it, for the one error line of a refused init (built only then). */
function init(target: RedisTarget, user: () => string, nowMs: number): RedisClient | RedisError {
  const key = clientKey(target);
  try {
    const client = redisInit(target.cluster, { username: target.username, password: target.password, timeoutMs: target.timeoutMs, database: target.database });
    clients.set(key, client);
    refused.delete(key);
    return client;
  } catch (error) {
    if (!(error instanceof RedisError)) throw error;
    if (!refused.has(key)) log.error(`ai-proxy: ${user()}: ${error.message}; tried again every ${RETRY_INIT_MS / 1000} s`);
    refused.set(key, { error, at: nowMs });
    return error;
  }
}

/** At configure time: a client for `target` unless one exists. */
export function initRedisClient(target: RedisTarget, user: () => string, nowMs: number): void {
  if (!clients.has(clientKey(target))) init(target, user, nowMs);
}

/** The client of `target`, or why there is none (an init refused less than `RETRY_INIT_MS` ago, or again now). */
export function redisClient(target: RedisTarget, user: () => string, nowMs: number): RedisClient | RedisError {
  const key = clientKey(target);
  const found = clients.get(key);
  if (found) return found;
  const failed = refused.get(key);
  if (failed && nowMs - failed.at < RETRY_INIT_MS) return failed.error;
  return init(target, user, nowMs);
}

/** The client of `target` if one was initialised, for calls nobody waits for. */
export const existingRedisClient = (target: RedisTarget): RedisClient | undefined => clients.get(clientKey(target));
