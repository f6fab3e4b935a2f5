/**
 * API tokens: read from `apiTokens` (written with or without `Bearer `), never echoed in errors or logs,
 * and one chosen per request — uniformly at random (from WASI randomness, distinct per VM), round-robin
 * per VM, or, with consumer affinity, by FNV-1a of the `x-mse-consumer` value so a consumer keeps its token.
 */
import { ConfigError, fieldPath, kindOnly } from '../../sdk/config/index.ts';
import { randomInt } from '../../sdk/runtime.ts';

export type TokenStrategy = 'random' | 'round-robin';

export function readTokens(raw: unknown, path: string): string[] {
  const at = fieldPath(path, 'apiTokens');
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ConfigError(at, kindOnly(raw), 'a non-empty array of API tokens (strings, with or without "Bearer ")');
  }
  return raw.map((token, i) => {
    if (typeof token !== 'string') throw new ConfigError(`${at}[${i}]`, kindOnly(token), 'a token string');
    const bare = token.trim().replace(/^bearer(?:\s+|$)/i, '').trim();
    if (bare === '' || /\s/.test(bare)) throw new ConfigError(`${at}[${i}]`, kindOnly(token), 'a token without spaces (an optional "Bearer " prefix is allowed)');
    return bare;
  });
}

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export class TokenPicker {
  private next = 0;

  constructor(
    readonly tokens: readonly string[],
    readonly strategy: TokenStrategy,
    readonly consumerAffinity: boolean,
  ) {}

  /** Whether `pick` reads the consumer: only with affinity among several tokens. */
  get readsConsumer(): boolean {
    return this.consumerAffinity && this.tokens.length > 1;
  }

  /** The token for one request; `consumer` is the `x-mse-consumer` header value, if any. */
  pick(consumer: string | undefined): string {
    return this.tokens[this.pickIndex(consumer)]!;
  }

  /** The index in `tokens` of the token `pick` would choose. */
  pickIndex(consumer: string | undefined): number {
    const n = this.tokens.length;
    if (n === 1) return 0;
    if (this.consumerAffinity && consumer) return fnv1a(consumer) % n;
    if (this.strategy === 'round-robin') return this.next++ % n;
    return randomInt(n);
  }
}
