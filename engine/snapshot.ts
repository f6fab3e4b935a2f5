/**
 * Pre-initialisation (DESIGN §2.3), the way Javy uses Wizer: the linked module runs in Node with
 * build-time host stubs, creates the QuickJS runtime, installs the glue, evaluates the plugin bundle and
 * binds its dispatcher; then linear memory and every mutable global are captured so that the shipped
 * module's `_initialize` only restores them. Top-level plugin code that touches the host fails the build
 * with the call's name, since Envoy would trap `restricted_callback` there. The bundle is compiled to
 * bytecode in a throwaway engine and every block the snapshot's engine frees is zeroed first, so the
 * snapshot holds the plugin's heap and not the parser's leftovers (−380 KiB on the AI proxy).
 */
import { randomFillSync } from 'node:crypto';
import binaryen from 'binaryen';
import { ALLOWED_FEATURES } from './features.ts';

export interface Snapshot {
  memory: Uint8Array;
  globals: Map<string, number | bigint>;
  buildLog: string[];
}

export class BuildInitError extends Error {}

/**
 * QuickJS's own stack bound, in bytes of the engine's 1 MiB shadow stack: deep JavaScript recursion
 * (a plugin's own, or compiling a deeply nested regular expression) then throws a catchable
 * `RangeError` before V8's native stack, which Envoy cannot recover from, runs out (measured: about
 * 1 000 JS frames under this bound, a trap at about 2 200 without it). JSON.parse is not covered (its
 * frames barely use the shadow stack): the SDK bounds JSON depth before parsing (`plugin/sdk/json.ts`).
 */
export const JS_STACK_LIMIT = 256 * 1024;

function exportMutableGlobals(linked: Uint8Array): { bytes: Uint8Array; names: string[] } {
  const module = binaryen.readBinary(linked);
  try {
    module.setFeatures(ALLOWED_FEATURES);
    const names: string[] = [];
    for (let i = 0; i < module.getNumGlobals(); i++) {
      const info = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
      if (!info.mutable || info.module) continue;
      names.push(info.name);
      module.addGlobalExport(info.name, `__snapshot_global_${names.length - 1}`);
    }
    return { bytes: module.emitBinary(), names };
  } finally {
    module.dispose();
  }
}

function stubImports(module: WebAssembly.Module, memory: () => WebAssembly.Memory, log: string[]): WebAssembly.Imports {
  const imports: Record<string, Record<string, unknown>> = {};
  const text = (ptr: number, len: number) => Buffer.from(memory().buffer, ptr, len).toString('utf8');
  for (const { module: mod, name } of WebAssembly.Module.imports(module)) {
    let fn: (...args: any[]) => unknown = () => {
      throw new BuildInitError(`${mod}.${name} was called while the plugin's top-level code ran at build time; move it into a hook such as onConfigure`);
    };
    if (name === 'proxy_log') fn = (_level: number, ptr: number, len: number) => (log.push(text(ptr, len)), 0);
    if (name === 'fd_write') {
      fn = (_fd: number, iovs: number, count: number, written: number) => {
        const view = new DataView(memory().buffer);
        let total = 0;
        for (let i = 0; i < count; i++) {
          const len = view.getUint32(iovs + i * 8 + 4, true);
          log.push(text(view.getUint32(iovs + i * 8, true), len));
          total += len;
        }
        view.setUint32(written, total, true);
        return 0;
      };
    }
    if (name === 'clock_time_get') fn = (_id: number, _p: bigint, out: number) => (new DataView(memory().buffer).setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true), 0);
    if (name === 'random_get') fn = (ptr: number, len: number) => (randomFillSync(new Uint8Array(memory().buffer, ptr, len)), 0);
    if (name === 'fd_fdstat_get' || name === 'fd_close' || name === 'fd_seek') fn = () => 8;
    (imports[mod] ??= {})[name] = fn;
  }
  return imports as WebAssembly.Imports;
}

/**
 * QuickJS's JS_WRITE_OBJ_STRIP_SOURCE: functions keep no source text (`toString()` shows none), which
 * takes about 130 KiB off the AI proxy's snapshot; debug information (line numbers in stack traces) stays.
 */
const STRIP_SOURCE = 1 << 4;

interface Engine {
  e: Record<string, any>;
  memory: WebAssembly.Memory;
  cString(value: string): [number, number];
  valueText(value: number): string;
  bytes(ptr: number, len: number): Uint8Array;
}

function start(module: WebAssembly.Module, buildLog: string[]): Engine {
  let memory!: WebAssembly.Memory;
  const instance = new WebAssembly.Instance(module, stubImports(module, () => memory, buildLog));
  const e = instance.exports as Record<string, any>;
  memory = e.memory;
  const bytes = (ptr: number, len: number) => new Uint8Array(memory.buffer, ptr, len);
  const cString = (value: string): [number, number] => {
    const data = Buffer.from(value, 'utf8');
    const ptr = e.malloc(data.length + 1);
    bytes(ptr, data.length + 1).set(data);
    bytes(ptr + data.length, 1)[0] = 0;
    return [ptr, data.length];
  };
  const valueText = (value: number): string => {
    const lenPtr = e.malloc(4);
    const ptr = e.qjs_get_string_len(value, lenPtr);
    const text = Buffer.from(memory.buffer, ptr, new DataView(memory.buffer).getUint32(lenPtr, true)).toString('utf8');
    e.qjs_free_cstring(ptr);
    e.free(lenPtr);
    return text;
  };
  e._initialize();
  if (e.qjs_init() !== 0) throw new BuildInitError('QuickJS runtime creation failed');
  return { e, memory, cString, valueText, bytes };
}

/** Frees a block after zeroing it, so that the snapshot does not carry what it held. */
function release(engine: Engine, ptr: number, len: number): void {
  engine.bytes(ptr, len).fill(0);
  engine.e.free(ptr);
}

/** The bundle compiled to QuickJS bytecode in a throwaway engine, so that compiling leaves nothing in the snapshot. */
function compile(module: WebAssembly.Module, bundle: string, filename: string): Uint8Array {
  const engine = start(module, []);
  const { e } = engine;
  const [code, codeLen] = engine.cString(bundle);
  const [file] = engine.cString(filename);
  const lenPtr = e.malloc(4);
  const ptr = e.qjs_compile(code, codeLen, file, 0, STRIP_SOURCE, lenPtr);
  if (ptr === 0) throw new BuildInitError(`compiling ${filename} threw: ${engine.valueText(e.qjs_get_exception())}`);
  return engine.bytes(ptr, new DataView(engine.memory.buffer).getUint32(lenPtr, true)).slice();
}

export function preinitialize(linked: Uint8Array, bundle: string, filename: string): Snapshot {
  const { bytes, names } = exportMutableGlobals(linked);
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const buildLog: string[] = [];
  const bytecode = compile(module, bundle, filename);
  const engine = start(module, buildLog);
  const { e, memory } = engine;
  const check = (result: number, what: string): number => {
    if (e.qjs_is_exception(result)) throw new BuildInitError(`${what} threw: ${engine.valueText(e.qjs_get_exception())}`);
    return result;
  };
  e.qjs_set_max_stack_size(JS_STACK_LIMIT);
  e.glue_init();
  const code = e.malloc(bytecode.length);
  engine.bytes(code, bytecode.length).set(bytecode);
  e.qjs_free_value(check(e.qjs_eval_bytecode(code, bytecode.length), `evaluating ${filename}`));
  release(engine, code, bytecode.length);
  const [probe, probeLen] = engine.cString('typeof globalThis.__proxy_dispatch');
  const [probeName] = engine.cString('<check>');
  const kindValue = check(e.qjs_eval(probe, probeLen, probeName, 0), 'the dispatcher check');
  const kind = engine.valueText(kindValue);
  e.qjs_free_value(kindValue);
  release(engine, probe, probeLen);
  e.free(probeName);
  if (kind !== 'function') throw new BuildInitError(`the bundle did not define globalThis.__proxy_dispatch (found ${kind}); export the plugin through plugin/sdk`);
  e.glue_bind();
  e.qjs_run_gc();
  const globals = new Map<string, number | bigint>();
  names.forEach((name, i) => globals.set(name, (e[`__snapshot_global_${i}`] as WebAssembly.Global).value));
  return { memory: new Uint8Array(memory.buffer).slice(), globals, buildLog };
}
