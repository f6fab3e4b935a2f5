/**
 * The request side of the response cache, once the body was checked, mapped and admitted by the rate
 * limits: chat and embeddings requests get a key (not `n > 1`, not `cache-control: no-store`); unless
 * the client said `no-cache`, the entry is looked up — locally at once, on Redis while the request waits
 * (at most the Redis timeout; trouble is a miss) — and a hit is answered here with the shape the request
 * asks for, `x-cache: HIT` and `age`, before anything goes upstream (on the Envoy build, whose headers
 * went upstream already, that request is reset). Counters `ai_proxy.cache.{hit,miss,bypass}`.
 */
import { Action, Counter, metric, now, type HookResult, type HttpContext } from '../../sdk/index.ts';
import type { RequestState } from '../request-state.ts';
import { upstreamHeaders } from '../request/upstream-headers.ts';
import { fnv1a } from '../config/tokens.ts';
import { cachedReply } from './cache-answer.ts';
import type { CacheEntry } from './cache-entry.ts';
import { cacheKey } from './cache-key.ts';
import type { CacheState, CacheStatus } from './cache-state.ts';
import { lookupLocal } from './local-cache.ts';
import { lookupRedis } from './redis-cache.ts';

const counters = new Map<string, Counter>();
export function countCache(status: CacheStatus | 'store'): void {
  let counter = counters.get(status);
  if (!counter) counters.set(status, (counter = metric(Counter, `ai_proxy.cache.${status}`)));
  counter.increment(1);
}

const upstreams = new WeakMap<RequestState['provider'], string>();
/** Where a provider's answers come from: type, host and a fingerprint of its tokens (never the tokens); with the request's upstream path and query. */
function upstreamOf(request: RequestState): string {
  const provider = request.provider;
  let base = upstreams.get(provider);
  if (base === undefined) upstreams.set(provider, (base = `${provider.spec.type} ${upstreamHeaders(provider).host} ${fnv1a(provider.tokens.tokens.join('\n')).toString(16)}`));
  return `${base} ${request.upstreamPath ?? ''}`;
}

function settle(state: CacheState, status: CacheStatus): HookResult {
  state.status = status;
  countCache(status);
  return Action.Continue;
}

/** Answers a hit; false when the entry cannot take the shape this request needs (then it is a miss). */
function answer(ctx: HttpContext, request: RequestState, state: CacheState, entry: CacheEntry): boolean {
  const withUsage = state.includeUsage ?? (request.api === 'chat' && request.provider.includeUsage);
  const reply = cachedReply(entry, request.streaming, withUsage);
  if (!reply) return false;
  state.entry = entry;
  request.attempts = 0;
  settle(state, 'hit');
  const age = String(Math.max(0, Math.floor((now() - entry.storedMs) / 1000)));
  ctx.sendLocalResponse(200, reply.body, [['content-type', reply.contentType], ['x-cache', 'HIT'], ['age', age]], 'ai-proxy.cache_hit');
  return true;
}

/** Continue: the request goes upstream (a miss, a bypass); Pause: answered from the cache, or waiting for Redis (then answered or resumed). */
export function lookupCache(ctx: HttpContext, request: RequestState): HookResult {
  const state = request.cache;
  if (!state || (request.api !== 'chat' && request.api !== 'embeddings') || request.upstreamModel === undefined) return Action.Continue;
  if (state.noStore) return settle(state, 'bypass');
  const config = state.config;
  const key = cacheKey(new Uint8Array(ctx.request.body.read()), config, { provider: request.provider.id, upstream: upstreamOf(request), api: request.api, model: request.upstreamModel, consumer: state.consumer });
  if (typeof key === 'string') return settle(state, 'bypass');
  state.key = key;
  state.store = true;
  state.includeUsage = key.includeUsage;
  if (state.noCache) return settle(state, 'miss');
  const at = now();
  if (config.backend === 'local') {
    const entry = lookupLocal(config, key.digest, key.text, at);
    return entry && answer(ctx, request, state, entry) ? Action.Pause : settle(state, 'miss');
  }
  let inHook = true;
  let outcome: HookResult = Action.Pause;
  lookupRedis(config, key.digest, key.text, at, (entry) => {
    if (entry && answer(ctx, request, state, entry)) outcome = Action.Pause;
    else {
      outcome = settle(state, 'miss');
      if (!inHook) ctx.resumeRequest();
    }
  });
  inHook = false;
  return outcome;
}
