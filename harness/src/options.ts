/**
 * What a user passes to `createHost`, and the defaults that make the host behave like Higress on
 * Envoy 1.27 with Envoy ≥1.33 body sizes (reference §0, §9, §10).
 */
import type { PropertyValue } from './properties/values.ts';
import type { LogLevelName } from '../../facts/proxy-wasm/enums.ts';
import type { GatewayName } from '../../facts/proxy-wasm/host-table.ts';
import type { UpstreamHandler } from './callouts/upstream.ts';

export type ClusterTarget = string | UpstreamHandler;

/** A plugin bundle (esbuild IIFE) run natively on V8 instead of as a `.wasm` ("TS source mode"). */
export interface ScriptSource {
  source: string;
  /** The name stack traces show; default `plugin.js`. */
  filename?: string;
}

export interface HostOptions {
  /** The module: its bytes, or a path to a `.wasm` file. Exactly one of `module` and `script`. */
  module?: Uint8Array | ArrayBuffer | string;
  /**
   * Which gateway's Envoy: `higress` offers Higress's Redis host functions and buffer type 9, `envoy` does
   * not (a module importing them fails to load, as in vanilla Envoy). Default: `higress` for a module
   * that exports `proxy_abi_version_0_2_100` or imports a Redis function, else `envoy`; a script guest
   * runs as the engine's build for this gateway (default `higress`: ABI 0.2.100).
   */
  gateway?: GatewayName;
  /** The plugin bundle run natively through the same host functions (harness/src/script/script-guest.ts). */
  script?: ScriptSource;
  /** PLUGIN_CONFIGURATION: a string is passed as is, an object as its JSON; absent = 0 bytes. */
  pluginConfig?: string | object;
  /** VM_CONFIGURATION; absent = 0 bytes (what Istio/Higress send). */
  vmConfig?: string | Uint8Array;
  rootId?: string;
  pluginName?: string;
  vmId?: string;
  /** Worker VMs to start after the canary (Envoy: one per worker thread). */
  workers?: number;
  /** Static properties by dotted path (`xds.route_name`, `route_name`, `node.metadata`). */
  properties?: Record<string, PropertyValue>;
  /**
   * Cluster name → `http://127.0.0.1:port` (or an in-process handler) for `proxy_http_call`, or
   * `redis://127.0.0.1:port` for Higress's `proxy_redis_init`/`proxy_redis_call` (a real Redis server).
   */
  clusters?: Record<string, ClusterTarget>;
  /** Environment variables the VM sees through WASI `environ_*`. */
  environment?: Record<string, string>;
  /** Envoy's wasm logger level, as `proxy_get_log_level` reports it; lower plugin logs are still kept. */
  logLevel?: LogLevelName;
  /** Pass traffic through when the VM has failed instead of answering 503 (`fail_open`). */
  failOpen?: boolean;
  /** `cumulative` = Envoy ≥1.33 (default); `lagging` = Envoy ≤1.32 / Higress 1.27 one-chunk lag. */
  bodySizes?: 'cumulative' | 'lagging';
  /** Envoy 1.27 (Higress) top-level properties such as `route_name`; false = Envoy ≥1.33. */
  envoy127Properties?: boolean;
  /** Stream buffer limits (Higress: downstream 32768, upstream 10485760). */
  bufferLimits?: { request?: number; response?: number };
  /** Add what Envoy's connection manager adds to requests: `x-request-id`, `x-forwarded-proto`, `:scheme`. */
  envoyRequestHeaders?: boolean;
  /** `virtual` (tests advance it with `host.advanceTime`) or `real` (timers fire by themselves). */
  clock?: 'virtual' | 'real';
  /** Harness protection only (Envoy has none): a guest call running longer than this fails the VM. 0 = off. */
  callbackTimeoutMs?: number;
  /** Whether to start a canary VM first, as Envoy does when it accepts a configuration. */
  canary?: boolean;
  /** Memory cap in 64 KiB pages (V8 in Envoy: 16384). */
  maxMemoryPages?: number;
  /** Benchmarks: time every callback and host function into `host.profile` (a clock read per call). */
  profile?: boolean;
}

export type ResolvedOptions = Required<Omit<HostOptions, 'module' | 'script' | 'pluginConfig' | 'vmConfig' | 'bufferLimits' | 'gateway'>> & {
  gateway?: GatewayName;
  script?: ScriptSource;
  pluginConfig: Uint8Array;
  vmConfig: Uint8Array;
  bufferLimits: { request: number; response: number };
};

const encoder = new TextEncoder();

function toBytes(value: string | object | Uint8Array | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  return encoder.encode(typeof value === 'string' ? value : JSON.stringify(value));
}

export function resolveOptions(options: HostOptions): ResolvedOptions {
  const pluginName = options.pluginName ?? 'plugin';
  if ((options.module === undefined) === (options.script === undefined)) {
    throw new TypeError('createHost needs exactly one of `module` (a .wasm) and `script` (a plugin bundle)');
  }
  return {
    script: options.script,
    gateway: options.gateway,
    pluginConfig: toBytes(options.pluginConfig),
    vmConfig: toBytes(options.vmConfig),
    rootId: options.rootId ?? pluginName,
    pluginName,
    vmId: options.vmId ?? '',
    workers: options.workers ?? 1,
    properties: Object.freeze({ ...options.properties }),
    clusters: options.clusters ?? {},
    environment: options.environment ?? {},
    logLevel: options.logLevel ?? 'info',
    failOpen: options.failOpen ?? false,
    bodySizes: options.bodySizes ?? 'cumulative',
    envoy127Properties: options.envoy127Properties ?? true,
    bufferLimits: { request: options.bufferLimits?.request ?? 32768, response: options.bufferLimits?.response ?? 10485760 },
    envoyRequestHeaders: options.envoyRequestHeaders ?? true,
    clock: options.clock ?? 'virtual',
    callbackTimeoutMs: options.callbackTimeoutMs ?? 5000,
    canary: options.canary ?? true,
    maxMemoryPages: options.maxMemoryPages ?? 16384,
    profile: options.profile ?? false,
  };
}
