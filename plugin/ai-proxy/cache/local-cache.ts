/**
 * `backend: local`: cached answers in shared data, shared by every worker VM, bounded in entries
 * (`maxLocalEntries` ring slots) and bytes (`maxLocalBytes`), oldest evicted first. A writer reserves
 * its ring position with one CAS on the ring's head (`<next position> <bytes held>`), together with the
 * positions after it that must be emptied to stay within the byte bound — the oldest entries, as
 * positions are taken in order — so two writers never share a slot and no entry is written over
 * half-way. A bucket per digest (twice as many as slots) points at the entry's position; a hit checks the
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
  if (!sharedData.get(headKey(c))) sharedData.set(headKey(c), '0 0');
}

function readHead(c: CacheConfig): { position: number; bytes: number; cas: number } {
  const found = sharedData.get(headKey(c));
  const [position, bytes] = (found ? decodeUtf8(found.value) : '').split(' ').map(Number);
  const valid = Number.isSafeInteger(position) && position! >= 0 && Number.isSafeInteger(bytes) && bytes! >= 0;
  return { position: valid ? position! : 0, bytes: valid ? bytes! : 0, cas: found?.cas ?? 0 };
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

/** Stores `entry` under `digest`, evicting the oldest entries as the byte bound needs; false when it cannot fit at all. */
export function storeLocal(c: CacheConfig, digest: string, entry: Omit<CacheEntry, 'position'>): boolean {
  for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
    const head = readHead(c);
    const position = head.position;
    const bytes = encodeEntry({ ...entry, position });
    const size = bytes.byteLength;
    if (size > c.maxLocalBytes) return false;
    let held = head.bytes - sizeAt(c, position) + size;
    let emptied = 0;
    while (held > c.maxLocalBytes && emptied < c.maxLocalEntries - 1) {
      emptied++;
      held -= sizeAt(c, position + emptied);
    }
    if (!sharedData.set(headKey(c), `${position + emptied + 1} ${Math.max(0, held)}`, head.cas)) continue;
    for (let k = 1; k <= emptied; k++) {
      sharedData.set(slotKey(c, position + k), EMPTY);
      sharedData.set(sizeKey(c, position + k), '0');
    }
    sharedData.set(slotKey(c, position), bytes);
    sharedData.set(sizeKey(c, position), String(size));
    sharedData.set(bucketKey(c, digest), `${digest} ${position}`);
    return true;
  }
  log.warn(`ai-proxy: the local cache's ring changed under ${CAS_RETRIES} writes in a row; this answer is not stored`);
  return false;
}
