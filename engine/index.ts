/**
 * The engine step behind one function: a bundled plugin script in, one verified Proxy-Wasm module out.
 * Replacing QuickJS with another engine means replacing what this function calls.
 */
import { linkEngine } from './assemble.ts';
import { bake } from './bake.ts';
import { preinitialize } from './snapshot.ts';
import { verifyModule, type ModuleReport } from './verify.ts';
import type { TargetName } from './targets.ts';
import { cachedModule } from './module-cache.ts';

export interface BuiltModule {
  bytes: Uint8Array;
  report: ModuleReport;
  buildLog: string[];
}

const linked = new Map<TargetName, Promise<Uint8Array>>();

/** The module of `bundle` for `target` (default Higress): linked, snapshotted, baked and verified against that gateway. */
export async function buildProxyWasmModule(bundle: string, filename: string, target: TargetName = 'higress'): Promise<BuiltModule> {
  return cachedModule(bundle, filename, target, () => buildUncached(bundle, filename, target));
}

async function buildUncached(bundle: string, filename: string, target: TargetName): Promise<BuiltModule> {
  let engine = linked.get(target);
  if (!engine) linked.set(target, (engine = linkEngine(target)));
  const snapshot = preinitialize(await engine, bundle, filename);
  const bytes = bake(await engine, snapshot);
  return { bytes, report: verifyModule(bytes, target), buildLog: snapshot.buildLog };
}

export { TARGETS, TARGET_NAMES, type TargetName } from './targets.ts';

export { VerifyError } from './verify.ts';
export { BuildInitError } from './snapshot.ts';
