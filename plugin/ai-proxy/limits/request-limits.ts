/** What one request's rate limits are: their key values, read from the request headers, then what each decided. */
import type { LocalCharge } from './local-store.ts';
import type { Allowance, KeyClass, RateLimit } from './rate-limit.ts';
import type { RedisCharge } from './redis-store.ts';
import type { WindowView } from './sliding-window.ts';

export interface Decided {
  limit: RateLimit;
  allowance: Allowance;
  keyClass: KeyClass;
  cost: number;
  view?: WindowView;
  admitted: boolean;
  local?: LocalCharge;
  redis?: RedisCharge;
  /** Redis trouble, for the log and failureMode. */
  trouble?: string;
}

export class RequestLimits {
  readonly decided: Decided[] = [];
  settled = false;
  constructor(
    readonly limits: readonly RateLimit[],
    readonly keys: Array<string | undefined>,
  ) {}
}

