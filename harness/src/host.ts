/**
 * `createHost`: loads a Proxy-Wasm module and starts it like Envoy (a canary VM, then one VM per worker),
 * owns the state the VMs share, opens HTTP streams on a worker, moves the clock, and waits for
 * asynchronous work (callouts, queue events) to finish.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { StreamHost } from './stream-host.ts';
import { loadModule, type LoadedGuest } from './guest/load.ts';
import { resolveOptions, type HostOptions, type ResolvedOptions } from './options.ts';
import type { CalloutRecord } from './callouts/callout-record.ts';
import type { RedisCallRecord } from './callouts/redis-record.ts';
import { Clock } from './state/clock.ts';
import { Profile } from './state/profile.ts';
import { LogStore } from './state/logs.ts';
import { Metrics } from './state/metrics.ts';
import { SharedQueues } from './state/queues.ts';
import { SharedData } from './state/shared-data.ts';
import { HttpStream } from './stream/http-stream.ts';
import { startVm } from './guest/start.ts';
import { VmInstance, type RootContext } from './vm/vm.ts';
import { runExchange, type ExchangeOptions, type ExchangeRequest, type ExchangeResult } from './exchange.ts';

export class Host implements StreamHost {
  readonly logs = new LogStore();
  readonly sharedData = new SharedData();
  readonly queues = new SharedQueues();
  readonly metrics = new Metrics();
  readonly clock: Clock;
  readonly vms: VmInstance[] = [];
  readonly workers: VmInstance[] = [];
  readonly callouts: CalloutRecord[] = [];
  readonly redisCalls: RedisCallRecord[] = [];
  readonly profile?: Profile;
  canary?: VmInstance;
  private readonly pending = new Set<Promise<unknown>>();
  private connections = 0;
  private nextWorker = 0;
  private realTimer?: NodeJS.Timeout;

  constructor(
    readonly options: ResolvedOptions,
    readonly loaded: LoadedGuest,
  ) {
    this.clock = new Clock(options.clock);
    if (options.profile) this.profile = new Profile();
    if (options.clock === 'real') {
      this.realTimer = setInterval(() => this.clock.pollReal(), 5);
      this.realTimer.unref();
    }
  }

  track(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  post(task: () => void): void {
    this.track(nextTurn().then(task));
  }

  nextConnectionId(): number {
    return ++this.connections;
  }

  /** Creates and starts one VM instance; `label` names it in logs. */
  startVm(label: string): VmInstance {
    const vm = new VmInstance(this, this.vms.length, label, this.loaded.abi, this.loaded.gateway);
    this.vms.push(vm);
    startVm(vm, this.loaded);
    return vm;
  }

  /** A new HTTP stream on a worker (round robin unless `worker` is given). */
  newHttpStream(worker?: number): HttpStream {
    const index = worker ?? this.nextWorker++ % this.workers.length;
    const vm = this.workers[index];
    if (!vm) throw new Error(`no worker ${index}: the host has ${this.workers.length}`);
    return new HttpStream(vm);
  }

  /** One whole request/response through the plugin and a real (or in-process) upstream. */
  exchange(request: ExchangeRequest, options: ExchangeOptions = {}): Promise<ExchangeResult> {
    return runExchange(this, request, options);
  }

  /** Moves the virtual clock, firing every tick that falls due. */
  advanceTime(ms: number): void {
    this.clock.advance(ms);
  }

  /** Resolves when no callout, queue event or other posted work is outstanding. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
      await nextTurn();
    }
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Envoy's root shutdown: `proxy_on_done`, then `proxy_on_delete` now, or after the guest's `proxy_done`
   * (ticks keep coming to a root that waits for it). Call `close()` to stop a real clock regardless.
   */
  shutdown(): void {
    for (const vm of this.workers) {
      const root = vm.root;
      if (!root || root.state !== 'active' || vm.failure) continue;
      try {
        if (vm.callOptional('proxy_on_done', [root.id], root.id, 1) !== 0) {
          root.state = 'deleted';
          this.stopTimer(root);
          vm.callOptional('proxy_on_delete', [root.id], root.id, 0);
        } else {
          root.state = 'pending-done';
        }
        vm.flushDeferred();
      } catch {
        /* the VM is marked failed and logged */
      }
    }
    if (this.workers.every((vm) => vm.root?.state !== 'pending-done' || vm.failure)) this.close();
  }

  private stopTimer(root: RootContext): void {
    if (root.timer) this.clock.removeTimer(root.timer);
    root.timer = undefined;
  }

  /** Envoy throws the canary away once it has accepted the configuration. */
  discard(vm: VmInstance): void {
    if (!vm.root) return;
    this.stopTimer(vm.root);
    vm.root.state = 'deleted';
  }

  /** Stops a real clock and closes every Redis connection (pending Redis calls fail). */
  close(): void {
    if (this.realTimer) clearInterval(this.realTimer);
    for (const vm of this.vms) for (const connection of vm.redis.values()) connection.close('the host was closed');
  }
}

/** Loads the module and starts the canary and every worker; rejects with Envoy's reason if any fails. */
export async function createHost(options: HostOptions): Promise<Host> {
  const resolved = resolveOptions(options);
  const host = new Host(resolved, await loadModule(options.module ?? options.script, resolved.maxMemoryPages, resolved.gateway));
  try {
    if (resolved.canary) host.discard((host.canary = host.startVm('canary')));
    for (let i = 0; i < resolved.workers; i++) host.workers.push(host.startVm(`worker-${i}`));
  } catch (error) {
    host.close();
    throw error;
  }
  return host;
}
