/**
 * Assembles the import object Envoy would link a module against: every host function of the module's
 * ABI, each wrapped so that a call outside the allowed set during start traps `restricted_callback`
 * (reference §7) and a bad pointer answers InvalidMemoryAccess instead of throwing.
 */
import { Status, WasiErrno } from '../../../facts/proxy-wasm/enums.ts';
import { ALLOWED_DURING_START, hostTable } from '../../../facts/proxy-wasm/host-table.ts';
import { MemoryAccessError } from '../vm/guest-memory.ts';
import type { VmInstance } from '../vm/vm.ts';
import { bufferImports } from './buffers.ts';
import { contextImports } from './context.ts';
import { headerImports } from './headers.ts';
import { httpCallImports } from './http-call.ts';
import { logImports } from './log.ts';
import { metricImports } from './metrics.ts';
import { propertyImports } from './properties.ts';
import { redisImports } from './redis.ts';
import { sharedImports } from './shared.ts';
import { streamControlImports } from './stream-control.ts';
import { timeImports } from './time.ts';
import { unimplementedImports } from './unimplemented.ts';
import { wasiImports } from './wasi.ts';

export type HostFunction = (...args: any[]) => number | void;
export type HostFunctions = Record<string, HostFunction>;

export class RestrictedCallback extends Error {
  constructor(key: string) {
    super(`restricted_callback: ${key} is not allowed while the VM starts`);
  }
}

function implementations(vm: VmInstance): HostFunctions {
  const env: HostFunctions = {
    ...logImports(vm),
    ...timeImports(vm),
    ...bufferImports(vm),
    ...headerImports(vm),
    ...propertyImports(vm),
    ...streamControlImports(vm),
    ...httpCallImports(vm),
    ...sharedImports(vm),
    ...metricImports(vm),
    ...contextImports(vm),
    ...redisImports(vm),
    ...unimplementedImports(vm),
  };
  const all: HostFunctions = {};
  for (const [name, fn] of Object.entries(env)) all[`env.${name}`] = fn;
  for (const [name, fn] of Object.entries(wasiImports(vm))) {
    all[`wasi_snapshot_preview1.${name}`] = fn;
    all[`wasi_unstable.${name}`] = fn;
  }
  return all;
}

/** The most parameters a guarded host function forwards (a fixed list: a rest array would be made on every call). */
const MAX_PARAMS = 12;

function guard(vm: VmInstance, key: string, fn: HostFunction): HostFunction {
  const restricted = !ALLOWED_DURING_START.has(key);
  const badMemory = key.startsWith('env.') ? Status.InvalidMemoryAccess : WasiErrno.FAULT;
  const guarded: HostFunction = (a, b, c, d, e, f, g, h, i, j, k, l) => {
    if (restricted && vm.phase === 'start') throw new RestrictedCallback(key);
    try {
      return fn(a, b, c, d, e, f, g, h, i, j, k, l);
    } catch (error) {
      if (error instanceof MemoryAccessError) return badMemory;
      throw error;
    }
  };
  const profile = vm.core.profile;
  return profile ? (a, b, c, d, e, f, g, h, i, j, k, l) => profile.hostFunction(key, guarded, a, b, c, d, e, f, g, h, i, j, k, l) : guarded;
}

/** The WebAssembly import object for `vm`, covering exactly the host table of its ABI. */
export function buildImportObject(vm: VmInstance, extra: Record<string, Record<string, unknown>> = {}): WebAssembly.Imports {
  const impls = implementations(vm);
  const imports: Record<string, Record<string, unknown>> = { ...extra };
  for (const [key, signature] of hostTable(vm.abi, vm.gateway)) {
    const fn = impls[key];
    if (!fn) throw new Error(`host function ${key} has no implementation`);
    if (signature.indexOf(':') > MAX_PARAMS) throw new Error(`host function ${key} takes more than ${MAX_PARAMS} parameters`);
    const [module, name] = key.split('.') as [string, string];
    (imports[module] ??= {})[name] = guard(vm, key, fn);
  }
  return imports as WebAssembly.Imports;
}
