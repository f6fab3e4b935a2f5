/**
 * What a configured rate limit is, whichever shape it was written in (the native `rateLimits` entry or
 * Higress's `ai-token-ratelimit` / `cluster-key-rate-limit`): what it counts, where the key comes from,
 * the allowance per key (exact keys, patterns, then the default), the backend, and what happens on
 * rejection and on Redis trouble. Plain data, compared whole by the tests of both shapes.
 */
import type { Cidr } from './ip-match.ts';
import type { RedisTarget } from '../redis/redis-target.ts';

export type Counts = 'requests' | 'tokens';

export type KeySource =
  | { kind: 'consumer' }
  | { kind: 'header'; name: string }
  | { kind: 'query'; name: string }
  | { kind: 'cookie'; name: string }
  | { kind: 'ip' }
  | { kind: 'ip-header'; name: string }
  | { kind: 'route' }
  | { kind: 'model' }
  | { kind: 'global' };

/** So many requests or tokens per window. */
export interface Allowance {
  limit: number;
  windowMs: number;
}

export type KeyPattern = { kind: 'regexp'; re: RegExp; allowance: Allowance } | { kind: 'cidr'; cidr: Cidr; allowance: Allowance };

/** Which kind of allowance a key got, the bounded label of the limit's metrics. */
export type KeyClass = 'default' | 'key' | 'pattern' | 'missing';

export interface RateLimit {
  name: string;
  counts: Counts;
  by: KeySource;
  /** Allowances of exact key values (`keys`). */
  exact: Map<string, Allowance>;
  /** Tried in order after `exact` (Higress's `regexp:` keys and IP ranges). */
  patterns: KeyPattern[];
  /** The allowance of any other value; none: other values are not limited. */
  fallback?: Allowance;
  backend: 'local' | 'redis';
  redis?: RedisTarget;
  skipWhenMissing: boolean;
  failureMode: 'open' | 'closed';
  showLimitHeaders: boolean;
  /** Token limits: charge the usage of answers served from the response cache too. */
  countCached: boolean;
  /** The completion tokens reserved for a request that names no `max_tokens`/`max_completion_tokens`. */
  defaultMaxTokens: number;
  /** Key slots in shared data (`backend: local`); more live keys than slots share one overflow budget. */
  maxLocalKeys: number;
  rejectedStatus: number;
  /** Replaces the default rejection message (Higress's `rejected_msg`). */
  rejectedMessage?: string;
}

export const WINDOWS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
