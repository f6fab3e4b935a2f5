/**
 * TS source mode: runs a plugin bundle (the esbuild IIFE the engine bakes into QuickJS) natively on V8, in a `node:vm`
 * context per VM, through the harness's own host functions. It plays engine/glue/*.wat: `__host[n]` marshals numbers,
 * strings and ArrayBuffers into a linear memory (bump allocator; a host call's blocks are freed once copied) and calls
 * the import object a Wasm instance gets (restricted calls, pointer checks, Envoy semantics unchanged); each `proxy_on_*`
 * export calls `__proxy_dispatch` as the glue does, promise jobs included. A host function that throws is a trap.
 * Which host function marshals what, and the callback kinds, come from engine/glue-abi.ts, as for the glue.
 */
import { Script, createContext, type Context } from 'node:vm';
import { types } from 'node:util';
import { CALLBACKS, HOST_FUNCTIONS, HostFn, argKind, type GlueAnswer, type GlueArg } from '../../../engine/glue-abi.ts';
import { nativeGlue } from '../../../engine/native.ts';
import { buildImportObject, type HostFunction } from '../imports/index.ts';
import type { ScriptSource } from '../options.ts';
import type { VmInstance } from '../vm/vm.ts';

type Fn = (...args: any[]) => unknown;
const O0 = 16; // the glue's scratch out-params at O0, O0 + 4, O0 + 8 (lastU32 reads the third); never allocated over
const HEAP = 128;
const UNIMPLEMENTED = 12;
const CALL = '__scriptGuestCall';
const PREFIX = 'uncaught exception escaped the JS dispatcher: ';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const describe = (v: unknown): string => { try { return String(v); } catch { return Object.prototype.toString.call(v); } };
/** `i64.trunc_sat_f64_s` of ToNumber(v), the glue's i64 argument; `i32` wraps it (arguments and dispatcher results). */
const sat = (n: number): bigint => (Number.isNaN(n) ? 0n : n >= 2 ** 63 ? 2n ** 63n - 1n : n < -(2 ** 63) ? -(2n ** 63n) : BigInt(n));
const i64 = (v: unknown): bigint => sat(Math.trunc(+(v as number)));
const i32 = (v: unknown): number => (typeof v === 'number' && (v | 0) === v ? v : Number(BigInt.asIntN(32, i64(v))));
export interface ScriptGuest { exports: Record<string, unknown>; memory: WebAssembly.Memory; context: Context }

/** Creates the guest, binds it to `vm` (exports and memory), evaluates the bundle and binds its dispatcher. */
export function createScriptGuest(vm: VmInstance, script: ScriptSource, native: WebAssembly.Module): ScriptGuest {
  const { maxMemoryPages, callbackTimeoutMs } = vm.core.options;
  const memory = new WebAssembly.Memory({ initial: 2, maximum: maxMemoryPages });
  let top = HEAP; // each host call restores it on return; a top-level callback resets it
  const malloc = (size: number): number => {
    const ptr = Math.ceil(top / 8) * 8, end = ptr + Math.max(size >>> 0, 1), missing = end - memory.buffer.byteLength;
    try { if (missing > 0) memory.grow(Math.ceil(missing / 65536)); } catch { return 0; }
    return (top = end), ptr;
  };
  const sandbox: Record<string, unknown> = {};
  const context = createContext(sandbox, { name: `${vm.label} (script guest)`, microtaskMode: 'afterEvaluate' });
  const realm = new Script('[ArrayBuffer, TypeError, RangeError]').runInContext(context);
  const [GuestArrayBuffer, GuestTypeError, GuestRangeError] = realm as [ArrayBufferConstructor, TypeErrorConstructor, RangeErrorConstructor];
  const fail = (E: new (m: string) => Error, message: string): never => { throw new E(message); };
  const bytes = (ptr: number, len: number) => new Uint8Array(memory.buffer, ptr, len);
  const u32 = (ptr: number) => new DataView(memory.buffer).getUint32(ptr, true);
  const u64 = () => Number(new DataView(memory.buffer).getBigUint64(O0, true));
  const put = (data: Uint8Array): [number, number] => {
    const ptr = malloc(data.length) || fail(GuestRangeError, 'script guest: out of linear memory');
    return bytes(ptr, data.length).set(data), [ptr, data.length];
  };
  const view = (v: unknown) => (types.isArrayBuffer(v) ? new Uint8Array(v) : fail(GuestTypeError, 'a host function expected an ArrayBuffer'));
  const str = (v: unknown) => put(encoder.encode(String(v)));
  const toBuffer = (data: Uint8Array): ArrayBuffer => { const out = new GuestArrayBuffer(data.length); return new Uint8Array(out).set(data), out; };
  const block = () => bytes(u32(O0), u32(O0 + 4)); // copied at once, then freed with the host call's other blocks
  const ANSWERS: Record<Exclude<GlueAnswer, 'glue'>, (status: number) => unknown> = { status: (s) => s, u32: (s) => (s ? -s : u32(O0)),
    'u64-or-status': (s) => (s ? -s : u64()), u64: () => u64(), bytes: (s) => (s ? s : toBuffer(block())), string: (s) => (s ? s : decoder.decode(block())),
    'pairs-text': (s) => { if (s) return s; const text = fast.pairsText(block()); return typeof text === 'string' ? text : toBuffer(text); },
    text: (s) => { if (s) return s; const data = block(); try { return strict.decode(data); } catch { return toBuffer(data); } },
    count: () => fail(GuestTypeError, 'script guest: a count answer is written out below'),
    scan: () => fail(GuestTypeError, 'script guest: a scan answer is written out below') };
  const fast = nativeGlue(native);
  let trap: { error: unknown } | undefined;
  const imports = buildImportObject(vm) as unknown as Record<string, Record<string, HostFunction>>;
  const wrap = (fn: HostFunction) => (...args: unknown[]): number => {
    if (trap) throw trap.error;
    try { return (fn(...args) as number) | 0; } catch (error) { throw (trap = { error }).error; }
  };
  const env: Record<string, (...args: unknown[]) => number> = {};
  for (const [name, fn] of Object.entries(imports.env!)) env[name] = wrap(fn);
  const randomGet = wrap(imports.wasi_snapshot_preview1!.random_get!);
  const arg = (kind: GlueArg, a: unknown): unknown[] => (kind === 'i32' ? [i32(a)] : kind === 'i64' ? [i64(a)] : kind === 'string' ? str(a) : put(view(a)));
  const functions: Fn[] = HOST_FUNCTIONS.map((spec) => {
    if (!spec.proxy || spec.answer === 'glue') return () => fail(GuestTypeError, `script guest: ${spec.name} is written out below`);
    const fn = env[spec.proxy] ?? (() => UNIMPLEMENTED); // Higress's Redis functions on the Envoy build, as glue/05-target.envoy.wat
    const [outs, answer] = [spec.outs.map((o) => O0 + 4 * o), ANSWERS[spec.answer]];
    const kinds = spec.params.map(argKind);
    return (...args: unknown[]) => answer(fn(...kinds.flatMap((kind, i) => arg(kind, args[i])), ...outs));
  });
  functions[HostFn.lastU32] = () => u32(O0 + 8);
  functions[HostFn.buildTarget] = () => (vm.gateway === 'higress' ? 1 : 0);
  const range = (data: unknown, start: unknown, length: unknown): Uint8Array => {
    const [all, from] = [view(data), Math.min(i32(start) >>> 0, view(data).length)];
    return all.subarray(from, from + Math.min(i32(length) >>> 0, all.length - from));
  };
  functions[HostFn.randomBytes] = (n) => {
      const [ptr, len] = put(new Uint8Array(i32(n) >= 0 ? i32(n) : fail(GuestRangeError, 'randomBytes: negative length')));
      return randomGet(ptr, len), toBuffer(bytes(ptr, len));
  };
  functions[HostFn.utf8Encode] = (text) => toBuffer(encoder.encode(String(text)));
  functions[HostFn.utf8Decode] = (data, start, length) => {
    try {
      return strict.decode(range(data, start, length));
    } catch {
      return 4;
    }
  };
  const utf8Valid = (data: Uint8Array): boolean => {
    try {
      return strict.decode(data), true;
    } catch {
      return false;
    }
  };
  functions[HostFn.utf8Valid] = (data, start, length) => (utf8Valid(range(data, start, length)) ? 1 : 0);
  functions[HostFn.jsonScan] = (text, keys, out, maxDepth) => fast.jsonScan(view(text), view(keys), view(out), i32(maxDepth));
  functions[HostFn.sseScan] = (chunk, state, out, from) => fast.sseScan(view(chunk), view(state), view(out), i32(from));
  functions[HostFn.sha256] = (data, work) => fast.sha256(view(data), view(work));
  functions[HostFn.sseScanBody] = (type, state, out) => {
    const status = env.proxy_get_buffer_bytes!(i32(type), 0, 0x7fffffff, O0, O0 + 4);
    return status ? -(2 + status) : fast.sseScan(block().slice(), view(state), view(out), 0);
  };
  const bodyOf = (type: unknown): Uint8Array | number => {
    const status = env.proxy_get_buffer_bytes!(i32(type), 0, 0x7fffffff, O0, O0 + 4);
    return status ? status : block().slice();
  };
  functions[HostFn.jsonScanBody] = (type, keys, out, maxDepth, index, raw) => {
    const body = bodyOf(type);
    return typeof body === 'number' ? -(2 + body) : fast.jsonScanBody(body, view(keys), view(out), i32(maxDepth), i32(index), i32(raw));
  };
  functions[HostFn.spliceBody] = (type, splices) => {
    const body = bodyOf(type);
    if (typeof body === 'number') return -(2 + body);
    const spliced = fast.splice(body, view(splices));
    return typeof spliced === 'number' ? spliced : env.proxy_set_buffer_bytes!(i32(type), 0, body.length, ...put(spliced));
  };
  functions[HostFn.rewriteHeaderMap] = (remove, set, count, map) => {
    const text = String(set);
    if (i32(count) >>> 0 > 1024 || text.length > 1048576) return -2;
    if (!text.isWellFormed()) return -1;
    if (env.proxy_get_header_map_pairs!(i32(map), O0, O0 + 4)) return -1;
    const rewritten = fast.pairsRewrite(block().slice(), view(remove), encoder.encode(text), i32(count));
    return typeof rewritten === 'number' ? rewritten : env.proxy_set_header_map_pairs!(i32(map), ...put(rewritten));
  };
  functions[HostFn.setHeaderMapText] = (pairs, count, map) => {
    const text = String(pairs);
    const built = text.isWellFormed() ? fast.pairsBlock(encoder.encode(text), i32(count)) : -1;
    return typeof built === 'number' ? built : env.proxy_set_header_map_pairs!(i32(map), ...put(built));
  };
  const host: Record<string, Fn> = {}; // each call frees its blocks (arguments and the host's answer) on return
  functions.forEach((fn, i) => (host[i] = (...args: unknown[]) => { const saved = top; try { return fn(...args); } finally { top = saved; } }));
  /** The glue's $log_value at error level: prefix, String(value), then its stack (V8's copy of the first line dropped). */
  const logValue = (value: unknown): void => {
    const text = describe(value);
    let stack: unknown;
    try { stack = (value as { stack?: unknown } | null | undefined)?.stack; } catch { /* no stack */ }
    if (typeof stack === 'string') stack = stack === text ? '' : stack.startsWith(`${text}\n`) ? stack.slice(text.length + 1) : stack;
    host[HostFn.log]!(4, stack ? `${PREFIX}${text}\n${stack as string}` : PREFIX + text);
  };
  let dispatcher: Fn | undefined;
  let current: { kind: number; args: number[]; result: number } | undefined;
  sandbox.__host = host;
  sandbox[CALL] = () => {
    const call = current!;
    try { call.result = i32(dispatcher!(call.kind, ...call.args)); } catch (error) {
      call.result = CALLBACKS[call.kind]!.onThrow ?? 0;
      if (!trap) logValue(error);
    }
  };
  // Running each call as a script makes V8 run the context's promise jobs before it returns (microtaskMode afterEvaluate).
  const runner = new Script(`${CALL}()`, { filename: 'script-guest-dispatch' });
  const exports: Record<string, unknown> = { memory, malloc: (size: number) => malloc(size), [`proxy_abi_version_${vm.abi}`]: () => undefined };
  CALLBACKS.forEach(({ export: name, arity, onThrow: fallback }, kind) => {
    if (name === 'proxy_on_redis_call_response' && vm.gateway !== 'higress') return;
    exports[name] = (...raw: unknown[]) => {
      const [saved, call] = [current, { kind, args: [0, 1, 2, 3, 4].map((i) => (i < arity ? +(raw[i] as number) >>> 0 : 0)), result: 0 }];
      current = call;
      try { runner.runInContext(context); } finally { current = saved; if (!saved) top = HEAP; } // the outermost call frees all
      if (trap) throw trap.error;
      return fallback === undefined ? undefined : call.result;
    };
  });
  vm.bind({ exports: exports as WebAssembly.Exports }, memory);
  const filename = script.filename ?? 'plugin.js';
  let failure: { error: unknown } | undefined;
  try { new Script(script.source, { filename }).runInContext(context, callbackTimeoutMs > 0 ? { timeout: callbackTimeoutMs } : {}); } catch (error) {
    failure = { error };
  }
  if ((failure = trap ?? failure)) throw new Error(`evaluating ${filename} threw: ${describe(failure.error)}`);
  const found: unknown = new Script('globalThis.__proxy_dispatch').runInContext(context);
  if (typeof found !== 'function') {
    throw new Error(`the bundle did not define globalThis.__proxy_dispatch (found ${typeof found}); export the plugin through plugin/sdk`);
  }
  dispatcher = found as Fn;
  return { exports, memory, context };
}
