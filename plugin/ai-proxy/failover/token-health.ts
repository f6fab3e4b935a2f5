/**
 * The health of a provider's tokens, shared by every worker VM through shared data (one JSON document
 * per provider and token list, updated with CAS retry loops so no VM's update is lost): per token the
 * consecutive failures, the health-check successes, since when it is out, and until when a `429` parked
 * it. Reading on the hot path costs one shared-data read; the document is parsed again only when its
 * CAS changed. Token values never appear in it (indices, and a hash of the list in the key).
 */
import { log, parseJson, sharedData } from '../../sdk/index.ts';
import { fnv1a } from '../config/tokens.ts';
import type { ProviderConfig } from '../config/provider-config.ts';

export interface TokenState {
  /** Consecutive failures. */
  f: number;
  /** Health-check successes since it went out. */
  s: number;
  /** When it went out (ms), 0 when in. */
  out: number;
  /** Parked until (ms) by a 429's retry-after, 0 when not. */
  until: number;
}

export interface HealthDoc {
  tokens: TokenState[];
  /** The route cluster of the last failure, where probes go when the provider names no cluster. */
  cluster?: string;
}

const CAS_RETRIES = 10;
const fresh = (n: number): HealthDoc => ({ tokens: Array.from({ length: n }, () => ({ f: 0, s: 0, out: 0, until: 0 })) });

const keys = new WeakMap<ProviderConfig, string>();

export function healthKey(provider: ProviderConfig): string {
  let key = keys.get(provider);
  if (key === undefined) keys.set(provider, (key = `ai-proxy/failover/${provider.id}/${fnv1a(provider.tokens.tokens.join('\n')).toString(16)}`));
  return key;
}

const cache = new Map<string, { cas: number; doc: HealthDoc }>();

const count = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isState = (t: unknown): t is TokenState => {
  const s = t as TokenState | null;
  return typeof s === 'object' && s !== null && count(s.f) && count(s.s) && count(s.out) && count(s.until);
};

/** The document in shared data, or a fresh one when it is not one this plugin wrote (another writer, another version). */
function decode(value: ArrayBuffer, n: number): HealthDoc {
  const parsed = parseJson(new Uint8Array(value));
  const doc = parsed.ok ? (parsed.value as HealthDoc | null) : undefined;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.tokens) || doc.tokens.length !== n || !doc.tokens.every(isState)) return fresh(n);
  if (doc.cluster !== undefined && typeof doc.cluster !== 'string') return { tokens: doc.tokens };
  return doc;
}

/**
 * Writes a fresh document (and an expired lease) where none exists yet, at configure time, so every
 * later write carries a CAS: a CAS of 0 would overwrite whatever another VM wrote meanwhile.
 */
export function seedHealth(provider: ProviderConfig): void {
  const key = healthKey(provider);
  if (!sharedData.get(key)) sharedData.set(key, JSON.stringify(fresh(provider.tokens.tokens.length)));
  if (!sharedData.get(`${key}/lease`)) sharedData.set(`${key}/lease`, 'none 0');
}

/** A document no VM wrote yet, per token count: read-only, so one serves every read. */
const untouched = new Map<number, HealthDoc>();

/** The document as shared data holds it now (parsed again only when its CAS moved); callers do not change it. */
export function readHealth(provider: ProviderConfig): HealthDoc {
  const key = healthKey(provider);
  const n = provider.tokens.tokens.length;
  const found = sharedData.get(key);
  if (!found) {
    let doc = untouched.get(n);
    if (!doc) untouched.set(n, (doc = fresh(n)));
    return doc;
  }
  const kept = cache.get(key);
  if (kept && kept.cas === found.cas) return kept.doc;
  const doc = decode(found.value, n);
  cache.set(key, { cas: found.cas, doc });
  return doc;
}

/** Applies `change` to the shared document with a CAS retry loop; `change` answers false to leave it unwritten. */
export function updateHealth(provider: ProviderConfig, change: (doc: HealthDoc) => boolean): void {
  const key = healthKey(provider);
  const n = provider.tokens.tokens.length;
  for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
    const found = sharedData.get(key);
    const doc = found ? decode(found.value, n) : fresh(n);
    if (!change(doc)) return;
    if (sharedData.set(key, JSON.stringify(doc), found?.cas ?? 0)) return;
  }
  log.warn(`ai-proxy: the token health of provider "${provider.id}" changed under ${CAS_RETRIES} updates in a row; this one is dropped`);
}

/** Whether token `t` takes requests now (`nowMs` is asked for only when the token was parked). */
export const available = (t: TokenState, nowMs: () => number): boolean => t.out === 0 && (t.until === 0 || t.until <= nowMs());
