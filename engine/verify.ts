/**
 * The last build step (DESIGN §2.4): the module must be one Envoy/Higress 2.x loads. Checks the ABI
 * marker and required exports, every export's signature, every import against Envoy's host table and the
 * old 15-function WASI set, the Wasm features against V8 10.7, and that `_initialize` calls nothing but
 * what Envoy allows then. Each failure names the offending import, export or feature.
 */
import binaryen from 'binaryen';
import { EXPORT_SIGNATURES } from '../facts/proxy-wasm/guest-exports.ts';
import { ALLOWED_DURING_START, hostTable } from '../facts/proxy-wasm/host-table.ts';
import { readModuleInfo } from '../facts/wasm/module-info.ts';
import { ALLOWED_FEATURES } from './features.ts';

export class VerifyError extends Error {}

export interface ModuleReport {
  size: number;
  imports: string[];
  exports: string[];
  initialPages: number;
}

const REQUIRED = ['proxy_abi_version_0_2_1', '_initialize', 'malloc', 'memory'];

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

export function verifyModule(bytes: Uint8Array): ModuleReport {
  const info = readModuleInfo(bytes);
  const table = hostTable('0_2_1');
  for (const imp of info.imports) {
    const key = `${imp.module}.${imp.name}`;
    const want = table.get(key);
    if (imp.kind !== 'func' || want === undefined) throw new VerifyError(`import ${key} is not provided by Envoy (Proxy-Wasm 0.2.1 host functions and the old WASI set only)`);
    if (want !== imp.signature) throw new VerifyError(`import ${key} has signature ${imp.signature}; Envoy provides ${want}`);
  }
  const names = new Set(info.exports.map((e) => e.name));
  for (const name of REQUIRED) if (!names.has(name)) throw new VerifyError(`export ${name} is missing`);
  for (const e of info.exports) {
    if (e.name === 'memory' || e.name === 'proxy_abi_version_0_2_1') continue;
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
