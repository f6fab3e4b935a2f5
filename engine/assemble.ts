/**
 * Link step of the build (DESIGN §2.2): the glue (`glue/*.wat`, module fields in file-name order) is
 * assembled and merged with `quickjs-wasi/quickjs.wasm` and the native fast paths (engine/native.ts) by
 * binaryen's wasm-merge, so the engine's `env.host_*` imports resolve to
 * the glue and only `env.proxy_*` and WASI imports remain. Exports are trimmed to what the snapshot step
 * drives and what Envoy calls, and unused code is removed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import wabtInit from 'wabt';
import { ALLOWED_FEATURES, FEATURE_FLAGS, WABT_FEATURES } from './features.ts';
import { nativeModule } from './native.ts';
import { TARGET_NAMES, abiMarker, type TargetName } from './targets.ts';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** Exports the build-time snapshot needs; all but the Proxy-Wasm ones are removed after it. */
export const BUILD_EXPORTS = [
  '_initialize',
  'free',
  'qjs_init',
  'qjs_set_max_stack_size',
  'qjs_eval',
  'qjs_compile',
  'qjs_eval_bytecode',
  'qjs_run_gc',
  'qjs_is_exception',
  'qjs_get_exception',
  'qjs_get_string_len',
  'qjs_free_cstring',
  'qjs_free_value',
  'glue_init',
  'glue_bind',
];

export const RUNTIME_EXPORTS = ['memory', 'malloc'];

export function isProxyExport(name: string): boolean {
  return name.startsWith('proxy_on_') || TARGET_NAMES.some((target) => name === abiMarker(target));
}

/**
 * The glue between the Proxy-Wasm host and QuickJS: it implements the engine's env.host_* imports, exports
 * every proxy_on_* callback as a call into the JS dispatcher, and exposes the host to JS as the numbered
 * functions of `globalThis.__host` (engine/glue-abi.ts lists them). Values cross as JSValue pointers:
 * numbers as f64, strings as UTF-8, bytes as ArrayBuffers; host-returned blocks are freed once copied.
 */
export function glueText(target: TargetName): string {
  const dir = join(here, 'glue');
  const ofTarget = (name: string) => {
    const parts = name.split('.');
    return parts.length === 2 || parts[1] === target;
  };
  const fields = readdirSync(dir)
    .filter((name) => name.endsWith('.wat') && ofTarget(name))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'));
  return `(module\n${fields.join('\n')})\n`;
}

export async function assembleGlue(target: TargetName): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(`glue.${target}.wat`, glueText(target), WABT_FEATURES);
  try {
    module.resolveNames();
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

function wasmMerge(engine: string, native: Uint8Array, glue: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-wasm-link-'));
  try {
    writeFileSync(join(dir, 'native.wasm'), native);
    writeFileSync(join(dir, 'glue.wasm'), glue);
    const tool = join(dirname(require.resolve('binaryen/package.json')), 'bin', 'wasm-merge');
    const inputs = [engine, 'qjs', join(dir, 'native.wasm'), 'native', join(dir, 'glue.wasm'), 'env'];
    execFileSync(process.execPath, [tool, ...inputs, '-o', join(dir, 'merged.wasm'), ...FEATURE_FLAGS], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Uint8Array(readFileSync(join(dir, 'merged.wasm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Glue + engine as one module for `target`, exporting only what the snapshot step and that gateway use. */
export async function linkEngine(target: TargetName): Promise<Uint8Array> {
  const merged = wasmMerge(require.resolve('quickjs-wasi/quickjs.wasm'), await nativeModule(), await assembleGlue(target));
  const module = binaryen.readBinary(merged);
  try {
    module.setFeatures(ALLOWED_FEATURES);
    const keep = new Set([...BUILD_EXPORTS, ...RUNTIME_EXPORTS]);
    const names: string[] = [];
    for (let i = 0; i < module.getNumExports(); i++) names.push(binaryen.getExportInfo(module.getExportByIndex(i)).name);
    for (const name of names) if (!keep.has(name) && !isProxyExport(name)) module.removeExport(name);
    module.runPasses(['duplicate-import-elimination', 'remove-unused-module-elements']);
    if (!module.validate()) throw new Error('the linked engine module does not validate');
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
