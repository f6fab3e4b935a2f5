/**
 * `backend: local`: one budget per key for every worker VM of this gateway, in shared data. A limit owns a
 * fixed table of key slots (`maxLocalKeys`; one for `by: global`), seeded at configure time so every
 * later write carries a CAS; a key lives in the first free or expired slot of its probe sequence, so
 * hostile key values cannot grow shared data. When every slot of the sequence holds a live key, the
 * key shares the limit's overflow budget (never a looser one; counted and logged once per window). Each slot is `<window> <cur> <prev>\n<key>`.
 */
import { decodeUtf8, log, sharedData, type SharedValue } from '../../sdk/index.ts';
import { fnv1a } from '../config/tokens.ts';
import type { RateLimit } from './rate-limit.ts';
import { countLimit, firstInWindow } from './limit-metrics.ts';
import { fits, roll, windowIndex, type WindowView } from './sliding-window.ts';

const PROBES = 8;
const CAS_RETRIES = 16;
const NEVER_USED = -1;

interface Slot {
  index: number;
  cur: number;
  prev: number;
  key: string;
}

export interface LocalCharge {
  slot: string;
  index: number;
}

export interface LocalDecision {
  admitted: boolean;
  view: WindowView;
  charge?: LocalCharge;
}

const count = (text: string | undefined): number => {
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : NaN;
};

/** A slot as written, or undefined for anything else (another writer, another version: taken as free). */
function decode(value: ArrayBuffer): Slot | undefined {
  const text = decodeUtf8(value);
  const a = text.indexOf(' ');
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
  const nl = b < 0 ? -1 : text.indexOf('\n', b + 1);
  if (nl < 0) return undefined;
  const index = Number(text.slice(0, a));
  const cur = count(text.slice(a + 1, b));
  const prev = count(text.slice(b + 1, nl));
  return Number.isInteger(index) && cur === cur && prev === prev ? { index, cur, prev, key: text.slice(nl + 1) } : undefined;
}

const encode = (index: number, cur: number, prev: number, key: string): string => `${index} ${cur} ${prev}\n${key}`;
const slotCount = (limit: RateLimit): number => (limit.by.kind === 'global' ? 1 : limit.maxLocalKeys);
const slotName = (limit: RateLimit, n: number | 'overflow'): string => `ai-proxy/ratelimit/${limit.name}/${n}`;

/** A slot as shared data holds it, and what it says when it is one this plugin wrote. */
function readSlot(name: string): { stored?: SharedValue; slot?: Slot } {
  const stored = sharedData.get(name);
  return { stored, slot: stored ? decode(stored.value) : undefined };
}
const OVERFLOW_KEY = '\u0000overflow';
const NOTHING = { cur: 0, prev: 0 };

export function seedLocal(limit: RateLimit): void {
  const empty = encode(NEVER_USED, 0, 0, '');
  for (let n = 0; n < slotCount(limit); n++) if (!sharedData.get(slotName(limit, n))) sharedData.set(slotName(limit, n), empty);
  if (!sharedData.get(slotName(limit, 'overflow'))) sharedData.set(slotName(limit, 'overflow'), empty);
}

interface Found {
  name: string;
  stored?: SharedValue;
  slot?: Slot;
  /** The slot holds this key (else it is free for it). */
  own: boolean;
}

/** A key found every slot of its sequence live: counted (`…overflow`), and said once per window. */
function overflowing(limit: RateLimit, index: number): void {
  countLimit(limit, 'overflow');
  if (!firstInWindow(limit, 'overflow', index)) return;
  log.warn(`ai-proxy: rate limit "${limit.name}": more live keys than its ${limit.maxLocalKeys} slots hold; new keys share one overflow budget until slots expire (raise maxLocalKeys) — logged once per window`);
}

/** Where `key` lives, or the slot it may take, or the overflow slot. */
function locate(limit: RateLimit, key: string, index: number): Found {
  const n = slotCount(limit);
  const start = n === 1 ? 0 : fnv1a(key) % n;
  let free: Found | undefined;
  for (let p = 0; p < Math.min(PROBES, n); p++) {
    const name = slotName(limit, (start + p) % n);
    const { stored, slot } = readSlot(name);
    if (slot && slot.key === key && slot.index !== NEVER_USED) return { name, stored, slot, own: true };
    if (!slot || slot.index < index - 1) {
      free ??= { name, stored, slot, own: false };
      if (!slot || slot.index === NEVER_USED) break;
    }
  }
  if (free) return free;
  overflowing(limit, index);
  const name = slotName(limit, 'overflow');
  const { stored, slot } = readSlot(name);
  return { name, stored, slot: slot ?? { index: NEVER_USED, cur: 0, prev: 0, key: OVERFLOW_KEY }, own: true };
}

/** Admits `cost` (≥ 1) against `key` when it fits, charging it. */
export function decideLocal(limit: RateLimit, key: string, windowMs: number, budget: number, cost: number, nowMs: number): LocalDecision {
  const index = windowIndex(nowMs, windowMs);
  const elapsedMs = nowMs - index * windowMs;
  for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
    const found = locate(limit, key, index);
    const counts = found.own ? roll(found.slot, index) : NOTHING;
    const view: WindowView = { cur: counts.cur, prev: counts.prev, elapsedMs, windowMs };
    if (!fits(view, budget, cost)) return { admitted: false, view };
    view.cur += cost;
    const written = encode(index, view.cur, view.prev, found.own && found.slot ? found.slot.key : key);
    if (sharedData.set(found.name, written, found.stored?.cas ?? 0)) return { admitted: true, view, charge: { slot: found.name, index } };
  }
  log.warn(`ai-proxy: rate limit "${limit.name}" changed under ${CAS_RETRIES} updates in a row; this request is admitted uncounted`);
  return { admitted: true, view: { cur: 0, prev: 0, elapsedMs, windowMs } };
}

/** Corrects a charge by `delta` (a reservation's difference to the real usage), in the window it was made in. */
export function adjustLocal(limit: RateLimit, charge: LocalCharge, delta: number): void {
  for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
    const { stored, slot } = readSlot(charge.slot);
    if (!stored || !slot || slot.index < charge.index || slot.index > charge.index + 1) return;
    const same = slot.index === charge.index;
    const written = encode(slot.index, same ? Math.max(0, slot.cur + delta) : slot.cur, same ? slot.prev : Math.max(0, slot.prev + delta), slot.key);
    if (sharedData.set(charge.slot, written, stored.cas)) return;
  }
  log.warn(`ai-proxy: rate limit "${limit.name}" changed under ${CAS_RETRIES} updates in a row; a correction of ${delta} is dropped`);
}
