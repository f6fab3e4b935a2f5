/**
 * The last build step (DESIGN §2.4): the module must be one its target gateway loads (Higress 2.x, or
 * vanilla Envoy ≥ 1.27). Checks the target's ABI marker and required exports, every export's signature,
 * every import against that gateway's host table (Higress adds the Redis functions) and the old
 * 15-function WASI set, the Wasm features against V8 10.7, and that `_initialize` calls nothing but
 * what Envoy allows then. Each failure names the offending import, export or feature.
 */
import binaryen from 'binaryen';
import { EXPORT_SIGNATURES } from '../facts/proxy-wasm/guest-exports.ts';
import { ALLOWED_DURING_START, HIGRESS_FUNCTIONS, hostTable } from '../facts/proxy-wasm/host-table.ts';
import { readModuleInfo } from '../facts/wasm/module-info.ts';
import { ALLOWED_FEATURES } from './features.ts';
import { ABI_MARKERS } from '../facts/proxy-wasm/guest-exports.ts';
import { TARGETS, abiMarker, type TargetName } from './targets.ts';

export class VerifyError extends Error {}

export interface ModuleReport {
  size: number;
  imports: string[];
  exports: string[];
  initialPages: number;
}

const REQUIRED = ['_initialize', 'malloc', 'memory'];

function checkFeatures(bytes: Uint8Array): void {
  const module = binaryen.readBinary(bytes);
  try {
    module.setFeatures(ALLOWED_FEATURES);
    if (module.validate()) return;
    for (const [name, flag] of Object.entries(binaryen.Features)) {
      if (typeof flag !== 'number' || (ALLOWED_FEATURES & flag) === flag || name === 'All' || name === 'Default') continue;
      module.setFeatures(ALLOWED_FEATURES | flag);
      if (module.validate()) throw new VerifyError(`the module uses the Wasm feature "${name}", which Envoy's V8 10.7 (Higress 2.0/2.1) rejects`);
    }
    throw new VerifyError('the module does not validate with the features V8 10.7 runs');
  } finally {
    module.dispose();
  }
}

function checkInitialize(bytes: Uint8Array): void {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const imports: Record<string, Record<string, unknown>> = {};
  for (const { module: mod, name } of WebAssembly.Module.imports(module)) {
    const key = `${mod}.${name}`;
    (imports[mod] ??= {})[name] = () => {
      if (!ALLOWED_DURING_START.has(key)) throw new VerifyError(`_initialize calls ${key}, which Envoy forbids while a VM starts (restricted_callback)`);
      return 0;
    };
  }
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  (instance.exports._initialize as () => void)();
}

/** Checks `bytes` against what `target`'s gateway loads (default Higress); throws VerifyError naming what it would refuse. */
export function verifyModule(bytes: Uint8Array, targetName: TargetName = 'higress'): ModuleReport {
  const info = readModuleInfo(bytes);
  const target = TARGETS[targetName];
  const table = hostTable(target.abi, target.name);
  for (const imp of info.imports) {
    const key = `${imp.module}.${imp.name}`;
    const want = table.get(key);
    if (imp.kind !== 'func' || want === undefined) {
      const higressOnly = imp.module === 'env' && imp.name in HIGRESS_FUNCTIONS ? "; it is Higress's Redis extension, which only the higress build may import" : '';
      throw new VerifyError(`import ${key} is not provided by ${target.host}${higressOnly}`);
    }
    if (want !== imp.signature) throw new VerifyError(`import ${key} has signature ${imp.signature}; ${target.name === 'envoy' ? 'Envoy' : 'Higress'} provides ${want}`);
  }
  const names = new Set(info.exports.map((e) => e.name));
  const marker = abiMarker(targetName);
  for (const name of [marker, ...REQUIRED]) if (!names.has(name)) throw new VerifyError(`export ${name} is missing (the ${targetName} build needs it)`);
  for (const e of info.exports) {
    if (e.name === 'memory' || e.name === marker) continue;
    if (e.name in ABI_MARKERS) throw new VerifyError(`export ${e.name} is a second ABI marker; the ${targetName} build is ${marker}`);
    const want = EXPORT_SIGNATURES[e.name];
    if (want === undefined) throw new VerifyError(`export ${e.name} is not part of the Proxy-Wasm ABI`);
    if (want !== e.signature) throw new VerifyError(`export ${e.name} has signature ${e.signature}; Envoy expects ${want}`);
  }
  checkFeatures(bytes);
  checkInitialize(bytes);
  return {
    size: bytes.length,
    imports: info.imports.map((i) => `${i.module}.${i.name}`),
    exports: info.exports.map((e) => e.name),
    initialPages: info.memory?.min ?? 0,
  };
}
