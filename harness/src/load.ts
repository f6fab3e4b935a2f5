/**
 * Turns what the user gave (bytes or a path) into a compiled module Envoy would accept (reference §1):
 * parse, ABI marker, import and export checks, the memory cap, compilation. Failures carry Envoy's reason.
 * A plugin bundle run natively (TS source mode) skips all of it and yields a marker `vm/start.ts` recognises.
 */
import { readFile } from 'node:fs/promises';
import { EXPORT_SIGNATURES, type AbiName } from './abi/signatures.ts';
import type { ScriptSource } from './options.ts';
import { SCRIPT_EXPORTS } from './script/script-guest.ts';
import { capMemoryPages } from './wasm/memory-cap.ts';
import { ModuleFormatError, readModuleInfo, type ModuleInfo } from './wasm/module-info.ts';
import { PluginLoadError, checkExports, checkImports, detectAbi } from './vm/link.ts';

export interface LoadedModule {
  module: WebAssembly.Module;
  info: ModuleInfo;
  abi: AbiName;
  bytes: Uint8Array;
}

/** Marker modules standing for a script guest: the script, or `{}` when it is taken from the host's options. */
const scriptModules = new WeakMap<WebAssembly.Module, { script?: ScriptSource }>();

/** Whether `module` is a script-guest marker from `loadModule`, and its script when it carries one. */
export function scriptMarker(module: WebAssembly.Module): { script?: ScriptSource } | undefined {
  return scriptModules.get(module);
}

/**
 * A script guest (TS source mode) loads nothing: its "module" is an empty marker module and its info lists
 * the exports the script guest provides (those of the engine glue), ABI 0.2.1.
 */
function loadScript(script?: ScriptSource): LoadedModule {
  const module = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  scriptModules.set(module, { script });
  const exports = SCRIPT_EXPORTS.map((name, index) =>
    name === 'memory' ? { name, kind: 'memory' as const, index: 0 } : { name, kind: 'func' as const, index, signature: EXPORT_SIGNATURES[name] ?? ':' },
  );
  return { module, info: { imports: [], exports, memory: { min: 2, imported: false }, customSections: [] }, abi: '0_2_1', bytes: new Uint8Array(0) };
}

/**
 * `source` is the module (bytes or path), or a script guest: a `ScriptSource`, or `undefined` meaning the
 * `script` of the host's options (createHost checked that exactly one of `module` and `script` is given).
 */
export async function loadModule(source: Uint8Array | ArrayBuffer | string | ScriptSource | undefined, maxPages: number): Promise<LoadedModule> {
  if (source === undefined || (typeof source === 'object' && 'source' in source)) return loadScript(source);
  const raw = typeof source === 'string' ? new Uint8Array(await readFile(source)) : new Uint8Array(source);
  let info: ModuleInfo;
  try {
    info = readModuleInfo(raw);
  } catch (error) {
    if (error instanceof ModuleFormatError) throw new PluginLoadError(error.message);
    throw error;
  }
  const abi = detectAbi(info);
  checkImports(info, abi);
  checkExports(info);
  let bytes: Uint8Array;
  try {
    bytes = capMemoryPages(raw, maxPages);
  } catch (error) {
    throw new PluginLoadError(`Failed to load Wasm bytecode: ${(error as Error).message}`);
  }
  try {
    return { module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), info, abi, bytes: raw };
  } catch (error) {
    throw new PluginLoadError(`Failed to load Wasm bytecode: ${(error as Error).message}`);
  }
}
