/**
 * The response side of the cache: a copy of a 200 answer taken as it is relayed (nothing is held back),
 * given up once it (with the key it is stored with) passes `maxEntryBytes`, and stored only when the
 * answer is complete and an answer — a JSON completion or embeddings list, or a stream of JSON chunks
 * ending in `[DONE]`, without an `error` member — so a reset, cut or in-band failed answer is never stored. Locally or on
 * Redis (`SET … PX ttl`); counted as `ai_proxy.cache.store`.
 */
import { concatBytes, now, parseJson } from '../../sdk/index.ts';
import type { Usage } from '../response/usage.ts';
import { eventData } from './cache-answer.ts';
import { countCache } from './cache-lookup.ts';
import type { CacheState } from './cache-state.ts';
import { storeLocal } from './local-cache.ts';
import { storeRedis } from './redis-cache.ts';

export class CacheWriter {
  private readonly parts: ArrayBuffer[] = [];
  private size = 0;
  private abandoned = false;

  constructor(
    private readonly state: CacheState,
    private readonly kind: 'json' | 'sse',
    private readonly contentType: string,
  ) {}

  push(chunk: ArrayBuffer): void {
    if (this.abandoned) return;
    this.size += chunk.byteLength;
    if (this.size > this.state.config.maxEntryBytes) {
      this.abandoned = true;
      this.parts.length = 0;
      return;
    }
    this.parts.push(chunk);
  }

  /** At the answer's end of stream. */
  finish(usage: Usage | undefined): void {
    const key = this.state.key;
    if (this.abandoned || !key) return;
    const body = new Uint8Array(concatBytes(this.parts));
    if (body.byteLength + key.text.length > this.state.config.maxEntryBytes) return;
    if (this.kind === 'sse' ? !isAnswerStream(body) : !isAnswerObject(body)) return;
    const config = this.state.config;
    const storedMs = Math.floor(now());
    const entry = { kind: this.kind, storedMs, expiresMs: storedMs + config.ttlMs, contentType: this.contentType, usage, key: key.text, body };
    if (config.backend === 'local') {
      if (storeLocal(config, key.digest, entry)) countCache('store');
    } else if (storeRedis(config, key.digest, entry)) countCache('store');
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A chat completion (`choices`) or an embeddings list (`data`), without an `error` some servers send with a 200. */
const isAnswer = (v: unknown): boolean => isObject(v) && v.error === undefined && (Array.isArray(v.choices) || Array.isArray(v.data));

function isAnswerObject(body: Uint8Array): boolean {
  const parsed = parseJson(body);
  return parsed.ok && isAnswer(parsed.value);
}

/** A whole stream of chunks ending in `[DONE]`, none of them an `error` (vLLM reports failures mid-stream so). */
function isAnswerStream(body: Uint8Array): boolean {
  const data = eventData(body);
  if (data.length === 0 || data[data.length - 1]!.trim() !== '[DONE]') return false;
  for (let i = 0; i < data.length - 1; i++) {
    const parsed = parseJson(data[i]!);
    if (!parsed.ok || !isObject(parsed.value) || parsed.value.error !== undefined) return false;
  }
  return true;
}
