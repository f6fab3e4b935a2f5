/**
 * Turns what the user gave (bytes or a path) into a compiled module Envoy would accept (reference §1):
 * parse, ABI marker, import and export checks, the memory cap, compilation. Failures carry Envoy's reason.
 * A plugin bundle run natively (TS source mode) skips all of it.
 */
import { readFile } from 'node:fs/promises';
import { HIGRESS_FUNCTIONS, type AbiName, type GatewayName } from '../../../facts/proxy-wasm/host-table.ts';
import type { ScriptSource } from '../options.ts';
import { capMemoryPages } from '../../../facts/wasm/memory-cap.ts';
import { ModuleFormatError, readModuleInfo, type ModuleInfo } from '../../../facts/wasm/module-info.ts';
import { PluginLoadError, checkExports, checkImports, detectAbi } from './link.ts';
import { nativeModule } from '../../../engine/native.ts';

/** The engine's native fast paths, compiled once per process for every script guest. */
let native: Promise<WebAssembly.Module> | undefined;

/**
 * What a VM runs, one of two guest kinds: a compiled Wasm module with what the loader read from it, or
 * a plugin bundle run natively on V8 (TS source mode), which loads nothing but the engine's native fast
 * paths and speaks the ABI of the engine build it stands in for (`script` absent: the one in the host's
 * options). Both carry the gateway whose host functions they get.
 */
export type LoadedGuest =
  | { kind: 'wasm'; module: WebAssembly.Module; info: ModuleInfo; abi: AbiName; gateway: GatewayName; bytes: Uint8Array }
  | { kind: 'script'; script?: ScriptSource; abi: '0_2_1' | '0_2_100'; gateway: GatewayName; native: WebAssembly.Module };

/** The gateway a module is for when the user does not say: Higress if it speaks 0.2.100 or imports Redis. */
function gatewayOf(info: ModuleInfo, abi: AbiName): GatewayName {
  return abi === '0_2_100' || info.imports.some((i) => i.module === 'env' && i.name in HIGRESS_FUNCTIONS) ? 'higress' : 'envoy';
}

/**
 * `source` is the module (bytes or path), or a script guest: a `ScriptSource`, or `undefined` meaning the
 * `script` of the host's options (createHost checked that exactly one of `module` and `script` is given).
 */
export async function loadModule(source: Uint8Array | ArrayBuffer | string | ScriptSource | undefined, maxPages: number, gateway?: GatewayName): Promise<LoadedGuest> {
  if (source === undefined || (typeof source === 'object' && 'source' in source)) {
    native ??= nativeModule().then((bytes) => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
    const chosen = gateway ?? 'higress';
    return { kind: 'script', script: source, abi: chosen === 'higress' ? '0_2_100' : '0_2_1', gateway: chosen, native: await native };
  }
  const raw = typeof source === 'string' ? new Uint8Array(await readFile(source)) : new Uint8Array(source);
  let info: ModuleInfo;
  try {
    info = readModuleInfo(raw);
  } catch (error) {
    if (error instanceof ModuleFormatError) throw new PluginLoadError(error.message);
    throw error;
  }
  const abi = detectAbi(info);
  const chosen = gateway ?? gatewayOf(info, abi);
  checkImports(info, abi, chosen);
  checkExports(info);
  let bytes: Uint8Array;
  try {
    bytes = capMemoryPages(raw, maxPages);
  } catch (error) {
    throw new PluginLoadError(`Failed to load Wasm bytecode: ${(error as Error).message}`);
  }
  try {
    return { kind: 'wasm', module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), info, abi, gateway: chosen, bytes: raw };
  } catch (error) {
    throw new PluginLoadError(`Failed to load Wasm bytecode: ${(error as Error).message}`);
  }
}
