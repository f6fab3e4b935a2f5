/**
 * Checks a module the way Envoy's loader does before anything runs (reference §1, §2): the ABI marker,
 * every import against the host table with exact types, known exports' signatures, an allocator.
 * Returns the ABI; throws `PluginLoadError` with Envoy's reason otherwise.
 */
import { ABI_MARKERS, EXPORT_SIGNATURES } from '../../../facts/proxy-wasm/guest-exports.ts';
import { hostTable, type AbiName, type GatewayName } from '../../../facts/proxy-wasm/host-table.ts';
import type { ModuleInfo } from '../../../facts/wasm/module-info.ts';

export class PluginLoadError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function detectAbi(info: ModuleInfo): AbiName {
  for (const e of info.exports) {
    const abi = e.kind === 'func' ? ABI_MARKERS[e.name] : undefined;
    if (abi === '0_1_0') throw new PluginLoadError('ABI 0.1.0 (proxy_abi_version_0_1_0) is not emulated by this host');
    if (abi) return abi;
  }
  throw new PluginLoadError('Missing or unknown Proxy-Wasm ABI version');
}

export function checkImports(info: ModuleInfo, abi: AbiName, gateway: GatewayName): void {
  const table = hostTable(abi, gateway);
  for (const imp of info.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (imp.kind === 'memory' || imp.kind === 'table') continue;
    if (imp.kind !== 'func') throw new PluginLoadError(`Failed to load Wasm module due to a missing import: ${key}`);
    const want = table.get(key);
    if (want === undefined) throw new PluginLoadError(`Failed to load Wasm module due to a missing import: ${key}`);
    if (want !== imp.signature) {
      throw new PluginLoadError(
        `Failed to load Wasm module due to an import type mismatch for ${key}, want: ${printSignature(imp.signature)}, but host exports: ${printSignature(want)}`,
      );
    }
  }
}

const VALUE_TYPE_NAMES: Record<string, string> = { i: 'i32', I: 'i64', f: 'f32', F: 'f64', r: 'funcref', e: 'anyref' };

/** Envoy's `printValTypes` form: `i32 i32 -> i32`, `void` for an empty list. */
function printSignature(signature = ':'): string {
  const list = (letters: string) => (letters ? [...letters].map((l) => VALUE_TYPE_NAMES[l] ?? 'unknown').join(' ') : 'void');
  const [params = '', results = ''] = signature.split(':');
  return `${list(params)} -> ${list(results)}`;
}

export function checkExports(info: ModuleInfo): void {
  const names = new Set(info.exports.map((e) => e.name));
  const unused = names.has('_initialize') ? '_start' : 'main';
  for (const e of info.exports) {
    const want = e.name === unused ? undefined : EXPORT_SIGNATURES[e.name];
    if (want !== undefined && (e.kind !== 'func' || e.signature !== want)) {
      throw new PluginLoadError(`Bad function signature for: ${e.name}`);
    }
  }
  if (!names.has('malloc') && !names.has('proxy_on_memory_allocate')) {
    throw new PluginLoadError('Wasm module is missing malloc function.');
  }
  if (!info.exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new PluginLoadError('Wasm module is missing its exported "memory".');
  }
}
