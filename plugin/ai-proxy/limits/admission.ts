/**
 * Rate limits on one request: each limit whose key applies decides on its backend (local ones at once,
 * Redis ones in parallel while the request waits, at most the Redis timeout); the request goes on only
 * when all admit. A rejection returns what the others charged and answers 429 (or the limit's
 * `rejected_code`) in OpenAI's shape with `retry-after` and the `x-ratelimit-*` headers. Redis trouble
 * (an error, a timeout, a malformed reply) admits with `failureMode: open` (one warning per window and
 * a metric) and answers 503 with `closed`. Token limits reserve an estimate on admission (the prompt
 * size from the body, ~4 bytes a token, plus `max_completion_tokens`/`max_tokens` or `defaultMaxTokens`)
 * and `settleLimits` corrects it with the answer's usage, or returns it when the answer brought none.
 */
import { Action, log, now, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { countLimit, firstInWindow } from './limit-metrics.ts';
import { JSON_HEADERS, errorBody } from '../errors.ts';
import type { RequestState } from '../request-state.ts';
import type { UsageTracker } from '../response/usage.ts';
import { applyTo } from './counter-key.ts';
import { limitHeaderPairs, showLimitHeaders } from './limit-headers.ts';
import { adjustLocal, decideLocal } from './local-store.ts';
import { WINDOWS, type KeyClass, type RateLimit } from './rate-limit.ts';
import { RequestLimits, type Decided } from './request-limits.ts';
import { adjustRedis, decideRedis } from './redis-store.ts';
import { remaining, waitMs, windowIndex } from './sliding-window.ts';

const WINDOW_NAMES: Record<number, string> = Object.fromEntries(Object.entries(WINDOWS).map(([name, ms]) => [ms, name]));

const ADMITTED: Record<KeyClass, string> = { default: 'default.admitted', key: 'key.admitted', pattern: 'pattern.admitted', missing: 'missing.admitted' };
const REJECTED: Record<KeyClass, string> = { default: 'default.rejected', key: 'key.rejected', pattern: 'pattern.rejected', missing: 'missing.rejected' };

function warnTrouble(limit: RateLimit, trouble: string, windowMs: number): void {
  countLimit(limit, 'redis_failure');
  if (!firstInWindow(limit, 'redis_failure', windowIndex(now(), windowMs))) return;
  log.warn(`ai-proxy: rate limit "${limit.name}" could not be checked on Redis (${trouble}); requests are ${limit.failureMode === 'open' ? 'admitted' : 'refused'} (failureMode ${limit.failureMode}) — logged once per window`);
}

export interface Reservation {
  tokens: number;
  /** The client named its completion tokens: a reservation beyond the limit is refused for good, else capped at the limit. */
  firm: boolean;
}

/** The tokens a request reserves against `limit`: prompt estimate plus the completion it may ask for. */
export function reservation(limit: RateLimit, bodyBytes: number, maxTokens: number | undefined, completes: boolean): Reservation {
  return { tokens: Math.ceil(bodyBytes / 4) + (completes ? (maxTokens ?? limit.defaultMaxTokens) : 0), firm: completes && maxTokens !== undefined };
}

export interface Costs {
  /** Tokens to reserve per token limit; 0 leaves token limits out (a request that uses none). */
  tokens: (limit: RateLimit) => Reservation;
}

/** Changes what `d` charged by `delta`, on the backend it charged. */
function adjust(d: Decided, delta: number): void {
  if (d.local) adjustLocal(d.limit, d.local, delta);
  if (d.redis) adjustRedis(d.limit, d.redis, delta);
}

function reject(ctx: HttpContext, request: RequestState, limits: RequestLimits, by: Decided): void {
  for (const d of limits.decided) {
    if (d.admitted) adjust(d, -d.cost);
    d.admitted = false;
  }
  request.recovery = undefined;
  request.status = by.trouble ? 503 : by.limit.rejectedStatus;
  request.attempts = 0;
  countLimit(by.limit, REJECTED[by.keyClass]);
  const window = WINDOW_NAMES[by.allowance.windowMs] ?? `${by.allowance.windowMs} ms`;
  const what = `${by.allowance.limit} ${by.limit.counts} per ${window}`;
  if (by.trouble) {
    const message = `the rate limit "${by.limit.name}" could not be checked (${by.trouble}) and refuses requests meanwhile (failureMode closed)`;
    ctx.sendLocalResponse(503, errorBody({ status: 503, code: 'rate_limit_unavailable', type: 'rate_limit_unavailable', message }), JSON_HEADERS, 'ai-proxy.rate_limit_unavailable');
    return;
  }
  const wait = waitMs(by.view!, by.allowance.limit, by.cost);
  const never = wait === Infinity;
  const message =
    by.limit.rejectedMessage ??
    (never
      ? `Rate limit "${by.limit.name}" (${what}) can never admit this request: it reserves ${by.cost} ${by.limit.counts}; ask for fewer (max_tokens) or a smaller prompt`
      : `Rate limit "${by.limit.name}" reached (${what}); try again in ${Math.ceil(wait / 1000)} s`);
  const headers = [...JSON_HEADERS, ...limitHeaderPairs([{ counts: by.limit.counts, limit: by.allowance.limit, view: by.view! }]), never ? (['x-should-retry', 'false'] as [string, string]) : (['retry-after', String(Math.max(1, Math.ceil(wait / 1000)))] as [string, string])];
  ctx.sendLocalResponse(by.limit.rejectedStatus, errorBody({ status: by.limit.rejectedStatus, code: by.limit.name, type: 'rate_limit_exceeded', message }), headers, 'ai-proxy.rate_limited');
}

/**
 * Decides the request's limits, then (admitted) runs `then`: Continue when all admitted at once and
 * `then` continues; Pause when rejected, when `then` paused, or while waiting for Redis (then the
 * request is resumed when `then` continues, or left to `then`, or answered).
 */
export function admit(ctx: HttpContext, request: RequestState, limits: RequestLimits, costs: Costs, then: () => HookResult = CONTINUE): HookResult {
  const at = now();
  const waiting: Array<{ d: Decided; key: string }> = [];
  for (let i = 0; i < limits.limits.length; i++) {
    const limit = limits.limits[i]!;
    const value = limit.by.kind === 'model' ? (request.requestModel ?? request.upstreamModel) : limits.keys[i];
    const applied = applyTo(limit, value);
    if (!applied) continue;
    let cost = 1;
    if (limit.counts === 'tokens') {
      const reserve = costs.tokens(limit);
      cost = reserve.firm ? reserve.tokens : Math.min(reserve.tokens, applied.allowance.limit);
    }
    if (cost === 0) continue;
    const d: Decided = { limit, allowance: applied.allowance, keyClass: applied.keyClass, cost, admitted: false };
    limits.decided.push(d);
    if (limit.backend === 'redis') {
      waiting.push({ d, key: applied.counter });
      continue;
    }
    const local = decideLocal(limit, applied.counter, applied.allowance.windowMs, applied.allowance.limit, cost, at);
    d.view = local.view;
    d.admitted = local.admitted;
    d.local = local.charge;
    if (!d.admitted) {
      reject(ctx, request, limits, d);
      return Action.Pause;
    }
  }
  if (waiting.length === 0) {
    admitted(limits);
    return then();
  }
  let pending = waiting.length;
  let inHook = true;
  const finish = (): HookResult | undefined => {
    if (--pending > 0) return undefined;
    const refused = limits.decided.find((d) => !d.admitted);
    if (refused) {
      reject(ctx, request, limits, refused);
      return Action.Pause;
    }
    admitted(limits);
    const next = then();
    if (next === Action.Continue && !inHook) ctx.resumeRequest();
    return next;
  };
  let outcome: HookResult | undefined;
  for (const { d, key } of waiting) {
    decideRedis(d.limit, key, d.allowance.windowMs, d.allowance.limit, d.cost, at, (decision) => {
      if (decision.ok) {
        d.view = decision.view;
        d.admitted = decision.admitted;
        d.redis = decision.charge;
      } else {
        d.trouble = `${decision.error.kind}: ${decision.error.message}`;
        warnTrouble(d.limit, d.trouble, d.allowance.windowMs);
        d.admitted = d.limit.failureMode === 'open';
        if (d.admitted) d.trouble = undefined;
      }
      outcome = finish();
    });
  }
  inHook = false;
  return outcome ?? Action.Pause;
}

function admitted(limits: RequestLimits): void {
  for (const d of limits.decided) countLimit(d.limit, ADMITTED[d.keyClass]);
}

const CONTINUE = (): HookResult => Action.Continue;

/**
 * Corrects token reservations with the answer's usage, once; an answer from the response cache
 * (`cached`) costs nothing unless the limit has `countCached`. Without usage: a request that got no
 * successful answer (an error, a reset before the answer) gives its reservation back; one whose 2xx
 * answer started (cut, the client gone before the usage event, a provider that reports none) keeps it.
 */
export function settleLimits(limits: RequestLimits, usage: UsageTracker, answered: boolean, cached = false): void {
  if (limits.settled) return;
  limits.settled = true;
  const used = usage.usage;
  if (!used && answered && !cached) return;
  for (const d of limits.decided) {
    if (!d.admitted || d.limit.counts !== 'tokens') continue;
    const actual = used && (!cached || d.limit.countCached) ? used.totalTokens || used.promptTokens + used.completionTokens : 0;
    if (actual !== d.cost) adjust(d, actual - d.cost);
  }
}

/** The admitted answer's limit headers, for limits with `showLimitHeaders`. */
export function applyLimitHeaders(ctx: HttpContext, limits: RequestLimits): void {
  if (!limits.limits.some((l) => l.showLimitHeaders)) return;
  const shown = limits.decided.filter((d) => d.admitted && d.view && d.limit.showLimitHeaders);
  if (shown.length > 0) showLimitHeaders(ctx.responseHeaders, shown.map((d) => ({ counts: d.limit.counts, limit: d.allowance.limit, view: d.view! })));
}

/** `"ratelimit_remaining":{…}` for ai_log: each decided limit's budget left after this request. */
export function remainingLog(limits: RequestLimits): string {
  let parts = '';
  for (const d of limits.decided) if (d.view) parts += `${parts === '' ? '' : ','}"${d.limit.name}":${remaining(d.view, d.allowance.limit)}`;
  return parts === '' ? '' : `,"ratelimit_remaining":{${parts}}`;
}
