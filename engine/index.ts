/**
 * The engine step behind one function: a bundled plugin script in, one verified Proxy-Wasm module out.
 * Replacing QuickJS with another engine means replacing what this function calls.
 */
import { linkEngine } from './assemble.ts';
import { bake } from './bake.ts';
import { preinitialize } from './snapshot.ts';
import { verifyModule, type ModuleReport } from './verify.ts';

export interface BuiltModule {
  bytes: Uint8Array;
  report: ModuleReport;
  buildLog: string[];
}

let linked: Promise<Uint8Array> | undefined;

export async function buildProxyWasmModule(bundle: string, filename: string): Promise<BuiltModule> {
  linked ??= linkEngine();
  const engine = await linked;
  const snapshot = preinitialize(engine, bundle, filename);
  const bytes = bake(engine, snapshot);
  return { bytes, report: verifyModule(bytes), buildLog: snapshot.buildLog };
}

export { VerifyError } from './verify.ts';
export { BuildInitError } from './snapshot.ts';
