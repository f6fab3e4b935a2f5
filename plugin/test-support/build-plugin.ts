/**
 * Builds a plugin entry for tests through the same pipeline as `npm run build` (esbuild bundle → engine),
 * and yields both forms a test runs against: the `.wasm` on QuickJS and the bundle natively on V8.
 */
import { bundlePlugin } from '../../engine/bundle.ts';
import { buildProxyWasmModule } from '../../engine/index.ts';
import type { HostOptions } from '../../harness/src/index.ts';

export interface BuiltPlugin {
  wasm: Uint8Array;
  script: string;
}

const cache = new Map<string, Promise<BuiltPlugin>>();

export function buildPlugin(entry: string): Promise<BuiltPlugin> {
  let built = cache.get(entry);
  if (!built) {
    built = bundlePlugin(entry).then(async (script) => ({ script, wasm: (await buildProxyWasmModule(script, entry)).bytes }));
    cache.set(entry, built);
  }
  return built;
}

export type PluginMode = 'wasm' | 'node';
export const MODES: PluginMode[] = ['wasm', 'node'];

/** Host options that load `plugin` in `mode`: the built module, or the bundle run natively. */
export function pluginSource(plugin: BuiltPlugin, mode: PluginMode): Pick<HostOptions, 'module' | 'script'> {
  return mode === 'wasm' ? { module: plugin.wasm } : { script: { source: plugin.script, filename: 'plugin.js' } };
}
