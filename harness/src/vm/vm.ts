/**
 * One VM instance of a plugin module, as Envoy keeps one per worker (plus a canary): its own memory,
 * context ids, root context and effective context; calls into the guest through the watchdog; turns a
 * trap into a permanent VM failure; runs work the host defers until the current callback returns.
 */
import type { LogLevelName } from '../../../facts/proxy-wasm/enums.ts';
import type { AbiName, GatewayName } from '../../../facts/proxy-wasm/host-table.ts';
import type { HostCore } from './host-core.ts';
import type { StreamHandle } from './stream-handle.ts';
import type { Timer } from '../state/clock.ts';
import { GuestCaller, GuestTrap, type GuestFunction } from './guest-call.ts';
import { GuestMemory } from './guest-memory.ts';
import type { RedisConnection } from '../callouts/redis-connection.ts';

export interface RootContext {
  kind: 'root';
  id: number;
  rootId: string;
  timer?: Timer;
  status: { code: number; message: string };
  state: 'active' | 'pending-done' | 'deleted';
}

export interface StreamContext {
  kind: 'stream';
  id: number;
  root: RootContext;
  stream: StreamHandle;
}

export type Context = RootContext | StreamContext;

export interface CalloutView {
  headers: Array<[string, string]>;
  body: Uint8Array;
  trailers: Array<[string, string]>;
}

export class VmInstance {
  exports: Record<string, GuestFunction> = {};
  memory!: GuestMemory;
  root?: RootContext;
  failure?: GuestTrap;
  phase: 'start' | 'running' = 'start';
  effectiveContextId = 0;
  pluginConfigReadable = false;
  calloutView?: CalloutView;
  nextCalloutToken = 4;
  /** The reply readable as buffer type 9 during `proxy_on_redis_call_response` (Higress). */
  redisReply?: Uint8Array;
  /** Redis call tokens are 3, 7, 11, … (low bits 3: a Redis call, cpp-host `nextRedisCallId`). */
  nextRedisToken = 3;
  /** This worker's Redis connection per cluster (Envoy: one async client per worker and cluster). */
  readonly redis = new Map<string, RedisConnection>();
  readonly contexts = new Map<number, Context>();
  private nextContextId = 1;
  private depth = 0;
  private allocator?: string;
  private readonly deferred: Array<() => void> = [];
  private readonly caller: GuestCaller;

  constructor(
    readonly core: HostCore,
    readonly index: number,
    readonly label: string,
    readonly abi: AbiName,
    readonly gateway: GatewayName,
  ) {
    this.caller = new GuestCaller(core.options.callbackTimeoutMs);
  }

  bind(instance: WebAssembly.Instance, memory: WebAssembly.Memory): void {
    this.exports = instance.exports as Record<string, GuestFunction>;
    this.allocator = undefined;
    this.memory = new GuestMemory(memory, (size) => this.allocate(size));
  }

  has(name: string): boolean {
    return typeof this.exports[name] === 'function';
  }

  allocContextId(): number {
    return this.nextContextId++;
  }

  /** Calls a guest export with `contextId` as the effective context; a trap fails the VM and rethrows. */
  call(name: string, args: Array<number | bigint>, contextId: number): number {
    return this.callResult(name, args, contextId) ?? 0;
  }

  /** Like `call`, but a function without a result (a void callback) yields `undefined`. */
  callResult(name: string, args: Array<number | bigint>, contextId: number): number | undefined {
    if (this.failure) throw this.failure;
    const fn = this.exports[name];
    if (!fn) throw new Error(`the module does not export ${name}`);
    const saved = this.effectiveContextId;
    this.effectiveContextId = contextId;
    this.depth++;
    try {
      const profile = this.depth === 1 ? this.core.profile : undefined;
      const result = profile ? profile.callback(name, () => this.caller.call(name, fn, args, true)) : this.caller.call(name, fn, args, this.depth === 1);
      return typeof result === 'number' ? result : undefined;
    } catch (error) {
      const trap = error instanceof GuestTrap ? error : new GuestTrap(name, String(error));
      this.markFailed(trap);
      throw trap;
    } finally {
      this.depth--;
      this.effectiveContextId = this.depth === 0 ? 0 : saved;
    }
  }

  /** Like `call`, but an absent optional callback yields `fallback`. */
  callOptional(name: string, args: Array<number | bigint>, contextId: number, fallback: number): number {
    return this.has(name) ? this.call(name, args, contextId) : fallback;
  }

  /** Runs after the outermost guest call returns, as Envoy defers continue, local replies and callbacks. */
  defer(task: () => void): void {
    this.deferred.push(task);
  }

  flushDeferred(): void {
    while (this.deferred.length > 0 && !this.failure) this.deferred.shift()!();
    this.deferred.length = 0;
  }

  get inGuestCall(): boolean {
    return this.depth > 0;
  }

  effectiveContext(): Context | undefined {
    return this.contexts.get(this.effectiveContextId);
  }

  log(level: LogLevelName, message: string, source: 'plugin' | 'host' = 'plugin'): void {
    this.core.logs.add({ level, message, source, vm: this.index });
  }

  markFailed(trap: GuestTrap): void {
    if (this.failure) return;
    this.failure = trap;
    this.deferred.length = 0;
    this.log('critical', `wasm VM ${this.label} failed: ${trap.message}`, 'host');
    for (const ctx of this.contexts.values()) if (ctx.kind === 'root' && ctx.timer) this.core.clock.removeTimer(ctx.timer);
  }

  private allocate(size: number): number {
    return this.call((this.allocator ??= this.has('malloc') ? 'malloc' : 'proxy_on_memory_allocate'), [size], 0);
  }
}
