/** What the response cache knows of one request: its configuration, the client's wishes, the key, and how it went. */
import type { HeaderMap } from '../../sdk/index.ts';
import type { CacheConfig } from './cache-config.ts';
import type { CacheEntry } from './cache-entry.ts';
import type { CacheKey } from './cache-key.ts';

export type CacheStatus = 'hit' | 'miss' | 'bypass';

export class CacheState {
  status: CacheStatus = 'bypass';
  key?: CacheKey;
  /** Whether a complete 200 answer is stored. */
  store = false;
  /** The client's own `stream_options.include_usage`, when it set one. */
  includeUsage?: boolean;
  /** The entry a hit was answered from. */
  entry?: CacheEntry;
  readonly consumer?: string;
  /** `cache-control: no-cache`: no lookup, but store. */
  readonly noCache: boolean;
  /** `cache-control: no-store`: neither. */
  readonly noStore: boolean;

  constructor(
    readonly config: CacheConfig,
    headers: HeaderMap,
  ) {
    if (config.scope === 'consumer') this.consumer = headers.get('x-mse-consumer');
    const directives = (headers.get('cache-control') ?? '').toLowerCase().split(',').map((d) => d.trim().split('=')[0]);
    this.noStore = directives.includes('no-store');
    this.noCache = !this.noStore && directives.includes('no-cache');
  }
}
