/**
 * Turns what the user gave (bytes or a path) into a compiled module Envoy would accept (reference §1):
 * parse, ABI marker, import and export checks, the memory cap, compilation. Failures carry Envoy's reason.
 */
import { readFile } from 'node:fs/promises';
import type { AbiName } from './abi/signatures.ts';
import { capMemoryPages } from './wasm/memory-cap.ts';
import { ModuleFormatError, readModuleInfo, type ModuleInfo } from './wasm/module-info.ts';
import { PluginLoadError, checkExports, checkImports, detectAbi } from './vm/link.ts';

export interface LoadedModule {
  module: WebAssembly.Module;
  info: ModuleInfo;
  abi: AbiName;
  bytes: Uint8Array;
}

export async function loadModule(source: Uint8Array | ArrayBuffer | string, maxPages: number): Promise<LoadedModule> {
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
