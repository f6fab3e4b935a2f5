/**
 * The counters of each limit, `ai_proxy.ratelimit.<limit>.<key class>.{admitted,rejected}` and
 * `ai_proxy.ratelimit.<limit>.redis_failure`: labelled by key class (default, key, pattern, missing),
 * never by key value, so their number is bounded by the configuration. Defined once, kept per limit.
 * Also what warnings have been said in which window.
 */
import { Counter, metric } from '../../sdk/index.ts';
import type { RateLimit } from './rate-limit.ts';

const kept = new WeakMap<RateLimit, Map<string, Counter>>();

const said = new Map<string, number>();

/** Whether `what` of `limit` has not been said yet in window `index` (then it counts as said): for warnings once per window. */
export function firstInWindow(limit: RateLimit, what: string, index: number): boolean {
  const key = `${limit.name}\0${what}`;
  if (said.get(key) === index) return false;
  said.set(key, index);
  return true;
}

export function countLimit(limit: RateLimit, what: string): void {
  let counters = kept.get(limit);
  if (!counters) kept.set(limit, (counters = new Map()));
  let counter = counters.get(what);
  if (!counter) counters.set(what, (counter = metric(Counter, `ai_proxy.ratelimit.${limit.name}.${what}`)));
  counter.increment(1);
}
