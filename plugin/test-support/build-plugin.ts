/**
 * Builds a plugin entry for tests through the same pipeline as `npm run build` (esbuild bundle → engine,
 * named `<folder>.js` as the build names it, so a module `npm run build` made comes from the cache),
 * and yields the forms a test runs against: the Higress `.wasm` on QuickJS, the bundle natively on V8
 * (as the Higress build), and — when asked — the vanilla Envoy `.envoy.wasm`.
 */
import { basename, dirname } from 'node:path';
import { bundlePlugin } from '../../engine/bundle.ts';
import { buildProxyWasmModule } from '../../engine/index.ts';
import type { HostOptions } from '../../harness/src/index.ts';

export interface BuiltPlugin {
  wasm: Uint8Array;
  script: string;
  /** The Envoy build, when `buildPlugin` was asked for it. */
  envoy?: Uint8Array;
}

const cache = new Map<string, Promise<BuiltPlugin>>();

/** `envoy`: build the vanilla Envoy target too. */
export function buildPlugin(entry: string, options: { envoy?: boolean } = {}): Promise<BuiltPlugin> {
  const key = `${entry}\0${options.envoy ? 'envoy' : ''}`;
  let built = cache.get(key);
  if (!built) {
    const filename = `${basename(dirname(entry))}.js`;
    built = bundlePlugin(entry).then(async (script) => ({
      script,
      wasm: (await buildProxyWasmModule(script, filename, 'higress')).bytes,
      envoy: options.envoy ? (await buildProxyWasmModule(script, filename, 'envoy')).bytes : undefined,
    }));
    cache.set(key, built);
  }
  return built;
}

/** `wasm`: the Higress build; `envoy`: the vanilla Envoy build; `node`: the bundle on V8, as the Higress build. */
export type PluginMode = 'wasm' | 'envoy' | 'node';
export const MODES: PluginMode[] = ['wasm', 'node'];
/** Every build and the bundle: for suites that must hold on both gateways. */
export const ALL_MODES: PluginMode[] = ['wasm', 'envoy', 'node'];

/** Host options that load `plugin` in `mode`: a built module, or the bundle run natively. */
export function pluginSource(plugin: BuiltPlugin, mode: PluginMode): Pick<HostOptions, 'module' | 'script' | 'gateway'> {
  if (mode === 'node') return { script: { source: plugin.script, filename: 'plugin.js' }, gateway: 'higress' };
  if (mode === 'wasm') return { module: plugin.wasm };
  if (!plugin.envoy) throw new Error('this plugin was built without its Envoy target: buildPlugin(entry, { envoy: true })');
  return { module: plugin.envoy };
}
