/**
 * `backend: local`: cached answers in shared data, shared by every worker VM, bounded in entries
 * (`maxLocalEntries` ring slots) and bytes (`maxLocalBytes`), oldest evicted first. A writer reserves
 * its ring position with one CAS on the ring's head (`<next position> <oldest held> <bytes held>`),
 * together with the oldest entries it evicts to stay within the byte bound, so two writers never share a
 * slot and no entry is written over half-way (as long as no writer laps the ring, 64 slots at least,
 * while another is between its CAS and its write). A bucket per digest (twice as many as slots) points at the entry's position; a hit checks the
 * entry's own position, key text and expiry, so an overwritten, foreign or stale slot is a miss.
 */
import { decodeUtf8, log, sharedData } from '../../sdk/index.ts';
import type { CacheConfig } from './cache-config.ts';
import { decodeEntry, encodeEntry, type CacheEntry } from './cache-entry.ts';

const CAS_RETRIES = 16;
const EMPTY = new ArrayBuffer(0);

const ring = (c: CacheConfig): string => `ai-proxy/cache/${c.maxLocalEntries}-${c.maxLocalBytes}`;
const headKey = (c: CacheConfig): string => `${ring(c)}/head`;
const slotKey = (c: CacheConfig, position: number): string => `${ring(c)}/slot/${position % c.maxLocalEntries}`;
const sizeKey = (c: CacheConfig, position: number): string => `${ring(c)}/size/${position % c.maxLocalEntries}`;
const bucketKey = (c: CacheConfig, digest: string): string => `${ring(c)}/bucket/${parseInt(digest.slice(0, 8), 16) % (2 * c.maxLocalEntries)}`;

/** At configure time: the ring's head, so every later write of it carries a CAS. */
export function seedLocalCache(c: CacheConfig): void {
  if (!sharedData.get(headKey(c))) sharedData.set(headKey(c), '0 0 0');
}

interface Head {
  /** The position the next entry takes. */
  next: number;
  /** The oldest position still holding an entry. */
  tail: number;
  bytes: number;
  cas: number;
}

function readHead(c: CacheConfig): Head {
  const found = sharedData.get(headKey(c));
  const [next, tail, bytes] = (found ? decodeUtf8(found.value) : '').split(' ').map(Number);
  const ok = (n: number | undefined): n is number => Number.isSafeInteger(n) && n! >= 0;
  const valid = ok(next) && ok(tail) && ok(bytes) && tail <= next;
  return { next: valid ? next : 0, tail: valid ? tail : 0, bytes: valid ? bytes : 0, cas: found?.cas ?? 0 };
}

function sizeAt(c: CacheConfig, position: number): number {
  const found = sharedData.get(sizeKey(c, position));
  const n = found ? Number(decodeUtf8(found.value)) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The entry stored for `digest` with exactly `key`, not expired at `nowMs`. */
export function lookupLocal(c: CacheConfig, digest: string, key: string, nowMs: number): CacheEntry | undefined {
  const bucket = sharedData.get(bucketKey(c, digest));
  if (!bucket) return undefined;
  const [found, at] = decodeUtf8(bucket.value).split(' ');
  const position = Number(at);
  if (found !== digest || !Number.isSafeInteger(position)) return undefined;
  const slot = sharedData.get(slotKey(c, position));
  const entry = slot && slot.value.byteLength > 0 ? decodeEntry(new Uint8Array(slot.value)) : undefined;
  if (!entry || entry.position !== position || entry.key !== key || entry.expiresMs <= nowMs) return undefined;
  return entry;
}

/**
 * Stores `entry` under `digest`: takes the next position (overwriting the entry a lap before it, when
 * that one is still held) and evicts from the oldest (`tail`) while the bytes exceed the bound, all in
 * one CAS of the head; then writes. Each eviction step frees a held entry. False when it cannot fit.
 */
export function storeLocal(c: CacheConfig, digest: string, entry: Omit<CacheEntry, 'position'>): boolean {
  const ring = c.maxLocalEntries;
  for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
    const head = readHead(c);
    const position = head.next;
    const bytes = encodeEntry({ ...entry, position });
    const size = bytes.byteLength;
    if (size > c.maxLocalBytes) return false;
    let tail = head.tail;
    let held = head.bytes;
    if (position - ring >= tail) {
      held -= sizeAt(c, position);
      tail = position - ring + 1;
    }
    held += size;
    const evicted: number[] = [];
    while (held > c.maxLocalBytes && tail < position) {
      held -= sizeAt(c, tail);
      evicted.push(tail++);
    }
    if (!sharedData.set(headKey(c), `${position + 1} ${tail} ${Math.max(0, held)}`, head.cas)) continue;
    for (const old of evicted) {
      sharedData.set(slotKey(c, old), EMPTY);
      sharedData.set(sizeKey(c, old), '0');
    }
    sharedData.set(slotKey(c, position), bytes);
    sharedData.set(sizeKey(c, position), String(size));
    sharedData.set(bucketKey(c, digest), `${digest} ${position}`);
    return true;
  }
  log.warn(`ai-proxy: the local cache's ring changed under ${CAS_RETRIES} writes in a row; this answer is not stored`);
  return false;
}
