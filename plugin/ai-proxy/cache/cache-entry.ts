/**
 * One cached answer as stored (shared data or Redis): a JSON header line — format version, `json` or
 * `sse`, when it was stored and expires, the answer's content type and usage, the full key text, and for
 * the local ring its position — then the answer's bytes as the upstream sent them. Decoding validates
 * every field: anything else (another writer, a cut value) is no entry.
 */
import { concatBytes, encodeUtf8, parseJson } from '../../sdk/index.ts';
import type { Usage } from '../response/usage.ts';

export interface CacheEntry {
  kind: 'json' | 'sse';
  storedMs: number;
  expiresMs: number;
  contentType: string;
  usage?: Usage;
  key: string;
  /** The local ring position it was written at (absent on Redis). */
  position?: number;
  body: Uint8Array;
}

const NEWLINE = 0x0a;

export function encodeEntry(entry: CacheEntry): ArrayBuffer {
  const u = entry.usage;
  const header = JSON.stringify({
    v: 1, kind: entry.kind, stored: entry.storedMs, expires: entry.expiresMs, type: entry.contentType,
    usage: u ? [u.promptTokens, u.completionTokens, u.totalTokens] : null, key: entry.key, ...(entry.position === undefined ? {} : { p: entry.position }),
  });
  return concatBytes([encodeUtf8(`${header}\n`), entry.body]);
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function decodeEntry(bytes: Uint8Array): CacheEntry | undefined {
  const nl = bytes.indexOf(NEWLINE);
  if (nl < 0) return undefined;
  const parsed = parseJson(bytes.subarray(0, nl));
  const h = parsed.ok ? (parsed.value as Record<string, unknown> | null) : null;
  if (!h || typeof h !== 'object' || h.v !== 1 || (h.kind !== 'json' && h.kind !== 'sse') || !count(h.stored) || !count(h.expires) || typeof h.type !== 'string' || typeof h.key !== 'string') return undefined;
  if (h.p !== undefined && !count(h.p)) return undefined;
  let usage: Usage | undefined;
  if (h.usage !== null) {
    const u = h.usage as unknown[];
    if (!Array.isArray(u) || u.length !== 3 || !u.every(count)) return undefined;
    usage = { promptTokens: u[0] as number, completionTokens: u[1] as number, totalTokens: u[2] as number };
  }
  return { kind: h.kind, storedMs: h.stored, expiresMs: h.expires, contentType: h.type, usage, key: h.key, position: h.p as number | undefined, body: bytes.subarray(nl + 1) };
}
