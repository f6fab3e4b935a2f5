/**
 * Starts one VM instance the way Envoy does (reference §1 steps 4–5, §7): instantiate against the host
 * table, `_initialize` (then `main(0,0)`) or `_start` under restricted callbacks, then the root context,
 * `proxy_on_vm_start` and `proxy_on_configure`. Any failure carries Envoy's reason. A script guest (TS source
 * mode) is created instead of an instance; it has no `_initialize`, so the start goes straight to the root.
 */
import { buildImportObject } from '../imports/index.ts';
import type { LoadedGuest } from './load.ts';
import { createScriptGuest } from './script-guest.ts';
import type { ScriptSource } from '../options.ts';
import type { ModuleInfo } from '../../../facts/wasm/module-info.ts';
import { GuestTrap } from '../vm/guest-call.ts';
import { PluginLoadError } from './link.ts';
import type { RootContext, VmInstance } from '../vm/vm.ts';

function importedMemory(info: ModuleInfo, maxPages: number): Record<string, Record<string, unknown>> {
  const imp = info.imports.find((i) => i.kind === 'memory');
  if (!imp || !info.memory) return {};
  const maximum = Math.min(info.memory.max ?? maxPages, maxPages);
  return { [imp.module]: { [imp.name]: new WebAssembly.Memory({ initial: info.memory.min, maximum }) } };
}

/** TS source mode: the bundle runs on V8 through the same host functions, bound like an instance. */
function instantiateScript(vm: VmInstance, given: ScriptSource | undefined, native: WebAssembly.Module): void {
  const script = given ?? vm.core.options.script;
  if (!script) throw new PluginLoadError('Failed to instantiate Wasm module: no plugin script was given');
  try {
    createScriptGuest(vm, script, native);
  } catch (error) {
    throw new PluginLoadError(`Wasm VM start failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

function instantiate(vm: VmInstance, guest: LoadedGuest): void {
  if (guest.kind === 'script') return instantiateScript(vm, guest.script, guest.native);
  const { module, info } = guest;
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, buildImportObject(vm, importedMemory(info, vm.core.options.maxMemoryPages)));
  } catch (error) {
    throw new PluginLoadError(`Failed to instantiate Wasm module: ${(error as Error).message}`);
  }
  const memory = instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new PluginLoadError('Wasm module is missing its exported "memory".');
  vm.bind(instance, memory);
}

function guarded<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof GuestTrap) throw new PluginLoadError(`${what}: ${error.message}`);
    throw error;
  }
}

export function startVm(vm: VmInstance, guest: LoadedGuest): RootContext {
  instantiate(vm, guest);
  const { options } = vm.core;
  guarded('Wasm VM start failed', () => {
    if (vm.has('_initialize')) {
      vm.call('_initialize', [], 0);
      if (vm.has('main')) vm.call('main', [0, 0], 0);
    } else if (vm.has('_start')) {
      vm.call('_start', [], 0);
    }
  });
  vm.phase = 'running';
  const root: RootContext = { kind: 'root', id: vm.allocContextId(), rootId: options.rootId, status: { code: 0, message: '' }, state: 'active' };
  vm.contexts.set(root.id, root);
  vm.root = root;
  guarded('Plugin start failed', () => {
    vm.pluginConfigReadable = true;
    try {
      vm.callOptional('proxy_on_context_create', [root.id, 0], root.id, 0);
    } finally {
      vm.pluginConfigReadable = false;
    }
    vm.flushDeferred();
    if (vm.callOptional('proxy_on_vm_start', [root.id, options.vmConfig.length], root.id, 1) === 0) {
      throw new PluginLoadError(`Plugin start failed: proxy_on_vm_start returned false (root_id "${options.rootId}")`);
    }
    vm.flushDeferred();
  });
  guarded('Plugin configuration failed', () => {
    vm.pluginConfigReadable = true;
    let ok: number;
    try {
      ok = vm.callOptional('proxy_on_configure', [root.id, options.pluginConfig.length], root.id, 1);
    } finally {
      vm.pluginConfigReadable = false;
    }
    if (ok === 0) {
      throw new PluginLoadError(`Plugin configuration failed: proxy_on_configure returned false (root_id "${options.rootId}")`);
    }
    vm.flushDeferred();
  });
  return root;
}
