/**
 * What a cached answer is keyed by: the provider and its upstream, the API, the upstream model (after mapping), the
 * consumer (`scope: consumer`) and the request body in canonical form — members sorted at every level,
 * without `model`, `stream`, `stream_options` and the configured `ignoreFields` — as one text. The entry
 * is named by the text's SHA-256 (the engine's) and keeps the whole text, which a hit must match
 * exactly: even a digest collision would be a miss, never another request's answer.
 */
import { decodeUtf8, parseJson, sha256Hex } from '../../sdk/index.ts';
import type { CacheConfig } from './cache-config.ts';

const ALWAYS_IGNORED = new Set(['model', 'stream', 'stream_options']);

/** Objects with their members in sorted order, for JSON.stringify (which does the rest in C). */
function sorted(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) out[k] = object[k];
  return out;
}

const canonical = (value: unknown): string => JSON.stringify(value, sorted);

export interface CacheKey {
  text: string;
  digest: string;
  /** The client's own `stream_options.include_usage`, when it is a boolean. */
  includeUsage?: boolean;
}

export type KeyRefusal = 'n' | 'body' | 'numbers';

/** Number literals JS cannot hold exactly (16+ digits, large exponents): two such bodies could share a key, so they are not cached. */
const INEXACT_NUMBER = /[0-9]{16,}|[eE][+-]?[0-9]{3,}/;

/**
 * The key of a request, or why it is not cached (`n > 1`, a body that is not a JSON object, numbers JS
 * would round). `upstream` names where the answer comes from (provider type, host, path and query, a
 * fingerprint of the tokens), so rules and providers that share an id never share entries.
 */
export function cacheKey(body: Uint8Array, config: CacheConfig, parts: { provider: string; upstream: string; api: string; model: string; consumer?: string }): CacheKey | KeyRefusal {
  const parsed = parseJson(body);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) return 'body';
  const request = parsed.value as Record<string, unknown>;
  if (request.n !== undefined && request.n !== null && request.n !== 1) return 'n';
  if (INEXACT_NUMBER.test(decodeUtf8(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength))) return 'numbers';
  const kept = Object.create(null) as Record<string, unknown>;
  for (const name of Object.keys(request)) if (!ALWAYS_IGNORED.has(name) && !config.ignoreFields.has(name)) kept[name] = request[name];
  const consumer = config.scope === 'consumer' ? (parts.consumer ?? '') : null;
  const text = `${canonical(['ai-proxy-cache/2', parts.provider, parts.upstream, parts.api, parts.model, consumer])}\n${canonical(kept)}`;
  const options = request.stream_options as Record<string, unknown> | null | undefined;
  const includeUsage = options && typeof options === 'object' && typeof options.include_usage === 'boolean' ? options.include_usage : undefined;
  return { text, digest: sha256Hex(text), includeUsage };
}
