/**
 * The state every VM of one host shares, as Envoy's VMs of one vm_id share it: options, logs, shared
 * data and queues, metrics, the clock, and the tracker of asynchronous work (callouts, Redis calls, queue
 * events).
 */
import type { ResolvedOptions } from '../options.ts';
import type { LogStore } from '../state/logs.ts';
import type { SharedData } from '../state/shared-data.ts';
import type { SharedQueues } from '../state/queues.ts';
import type { Metrics } from '../state/metrics.ts';
import type { Clock } from '../state/clock.ts';
import type { CalloutRecord } from '../callouts/callout-record.ts';
import type { RedisCallRecord } from '../callouts/redis-record.ts';
import type { Profile } from '../state/profile.ts';

export interface HostCore {
  readonly options: ResolvedOptions;
  readonly logs: LogStore;
  readonly sharedData: SharedData;
  readonly queues: SharedQueues;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly callouts: CalloutRecord[];
  /** Every `proxy_redis_call`, in order (Higress gateway). */
  readonly redisCalls: RedisCallRecord[];
  /** Set when the host was created with `profile: true`. */
  readonly profile?: Profile;
  /** Starts asynchronous work the host must finish before it is idle. */
  track(work: Promise<unknown>): void;
  /** Runs `task` soon, outside any guest call (Envoy posts it to the worker's dispatcher). */
  post(task: () => void): void;
  nextConnectionId(): number;
}
