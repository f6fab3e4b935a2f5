/**
 * The counters of each limit, `ai_proxy.ratelimit.<limit>.<key class>.{admitted,rejected}` and
 * `ai_proxy.ratelimit.<limit>.redis_failure`: labelled by key class (default, key, pattern, missing),
 * never by key value, so their number is bounded by the configuration. Defined once, kept per limit.
 */
import { Counter, metric } from '../../sdk/index.ts';
import type { RateLimit } from './rate-limit.ts';

const kept = new WeakMap<RateLimit, Map<string, Counter>>();

export function countLimit(limit: RateLimit, what: string): void {
  let counters = kept.get(limit);
  if (!counters) kept.set(limit, (counters = new Map()));
  let counter = counters.get(what);
  if (!counter) counters.set(what, (counter = metric(Counter, `ai_proxy.ratelimit.${limit.name}.${what}`)));
  counter.increment(1);
}
