/**
 * What a rate limit tells the client: OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`
 * (reset as a duration such as `1m30s` or `250ms`, the time until the budget is full again), from the
 * tightest limit of each kind (the smallest share left), or on a rejection from the limit that refused.
 * On an admitted answer whose upstream sent its own, the stricter of the two (fewer remaining) is kept.
 */
import type { HeaderMap, HeaderPairs } from '../../sdk/index.ts';
import type { Counts } from './rate-limit.ts';
import { fullResetMs, remaining, type WindowView } from './sliding-window.ts';

export interface LimitReading {
  counts: Counts;
  limit: number;
  view: WindowView;
}

/** A Go-style duration as OpenAI writes it: `20ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const totalSeconds = Math.ceil(ms / 100) / 10;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.round((totalSeconds % 60) * 10) / 10;
  if (hours > 0) return `${hours}h${minutes}m${Math.floor(seconds)}s`;
  if (minutes > 0) return `${minutes}m${Math.floor(seconds)}s`;
  return `${seconds}s`;
}

/** The tightest reading of each kind. */
function tightest(readings: readonly LimitReading[]): Map<Counts, LimitReading> {
  const out = new Map<Counts, LimitReading>();
  for (const r of readings) {
    const best = out.get(r.counts);
    const share = (x: LimitReading) => (x.limit === 0 ? 0 : remaining(x.view, x.limit) / x.limit);
    if (!best || share(r) < share(best)) out.set(r.counts, r);
  }
  return out;
}

export function limitHeaderPairs(readings: readonly LimitReading[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (const [counts, r] of tightest(readings)) {
    pairs.push([`x-ratelimit-limit-${counts}`, String(r.limit)], [`x-ratelimit-remaining-${counts}`, String(remaining(r.view, r.limit))], [`x-ratelimit-reset-${counts}`, duration(fullResetMs(r.view))]);
  }
  return pairs;
}

/** Sets the headers on an admitted answer, unless the upstream's own say fewer remain. */
export function showLimitHeaders(headers: HeaderMap, readings: readonly LimitReading[]): void {
  for (const [counts, r] of tightest(readings)) {
    const upstream = Number(headers.get(`x-ratelimit-remaining-${counts}`) ?? 'NaN');
    const ours = remaining(r.view, r.limit);
    if (Number.isFinite(upstream) && upstream <= ours) continue;
    headers.set(`x-ratelimit-limit-${counts}`, String(r.limit));
    headers.set(`x-ratelimit-remaining-${counts}`, String(ours));
    headers.set(`x-ratelimit-reset-${counts}`, duration(fullResetMs(r.view)));
  }
}
