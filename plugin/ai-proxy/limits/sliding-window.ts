/**
 * The sliding-window counter both backends decide with (the local one in JS, the Redis one in its Lua
 * script, on the same numbers): per key the count of the current fixed window and of the one before,
 * weighted by how much of it the sliding window still covers. Unlike Higress's fixed windows it lets no
 * burst of twice the limit through at a window boundary. Also what the rejection and the limit headers
 * say: the budget left, when a cost would fit, and when the budget is full again.
 */

/** The counts of one key as seen at `elapsedMs` into the current window of `windowMs`. */
export interface WindowView {
  cur: number;
  prev: number;
  elapsedMs: number;
  windowMs: number;
}

export const windowIndex = (nowMs: number, windowMs: number): number => Math.floor(nowMs / windowMs);

/** The stored counts `{index, cur, prev}` rolled forward to window `index`. */
export function roll(stored: { index: number; cur: number; prev: number } | undefined, index: number): { cur: number; prev: number } {
  if (!stored || stored.index < index - 1 || stored.index > index) return { cur: 0, prev: 0 };
  return stored.index === index ? { cur: stored.cur, prev: stored.prev } : { cur: 0, prev: stored.cur };
}

export const used = (v: WindowView): number => (v.prev * (v.windowMs - v.elapsedMs)) / v.windowMs + v.cur;

export const fits = (v: WindowView, limit: number, cost: number): boolean => used(v) + cost <= limit;

export const remaining = (v: WindowView, limit: number): number => Math.max(0, Math.floor(limit - used(v)));

/** Milliseconds until `cost` fits (0: now; Infinity: never, it exceeds the limit), if nothing else is charged meanwhile. */
export function waitMs(v: WindowView, limit: number, cost: number): number {
  if (cost > limit) return Infinity;
  if (fits(v, limit, cost)) return 0;
  const room = limit - v.cur - cost;
  if (room >= 0) return Math.max(1, Math.ceil((1 - room / v.prev) * v.windowMs - v.elapsedMs));
  const into = v.cur === 0 ? 0 : Math.max(0, 1 - (limit - cost) / v.cur);
  return Math.max(1, Math.ceil(v.windowMs - v.elapsedMs + into * v.windowMs));
}

/** Milliseconds until nothing counts against the budget any more. */
export function fullResetMs(v: WindowView): number {
  if (v.cur > 0) return 2 * v.windowMs - v.elapsedMs;
  return v.prev > 0 ? v.windowMs - v.elapsedMs : 0;
}
