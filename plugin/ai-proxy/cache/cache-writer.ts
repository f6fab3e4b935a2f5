/**
 * The response side of the cache: a copy of a 200 answer taken as it is relayed (nothing is held back),
 * given up once it passes `maxEntryBytes`, and stored only when the answer is complete — a JSON object,
 * or a stream whose last event is `[DONE]` — so a reset or cut answer is never stored. Locally or on
 * Redis (`SET … PX ttl`); counted as `ai_proxy.cache.store`.
 */
import { concatBytes, now, parseJson } from '../../sdk/index.ts';
import type { Usage } from '../response/usage.ts';
import { streamComplete } from './cache-answer.ts';
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
    if (this.kind === 'sse' ? !streamComplete(body) : !isObjectText(body)) return;
    const config = this.state.config;
    const storedMs = Math.floor(now());
    const entry = { kind: this.kind, storedMs, expiresMs: storedMs + config.ttlMs, contentType: this.contentType, usage, key: key.text, body };
    if (config.backend === 'local') {
      if (storeLocal(config, key.digest, entry)) countCache('store');
    } else {
      storeRedis(config, key.digest, entry);
      countCache('store');
    }
  }
}

function isObjectText(body: Uint8Array): boolean {
  const parsed = parseJson(body);
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value);
}
