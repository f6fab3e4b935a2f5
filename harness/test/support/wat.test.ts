import { describe, expect, it } from 'vitest';
import { hostTable, WASI_FUNCTIONS, type AbiName } from '../../../facts/proxy-wasm/host-table.ts';
import { compileWat, guest, guestWat, type GuestSpec } from './wat.ts';

type Exports = Record<string, any>;
type Memory = { buffer: ArrayBuffer };
type Descriptor = { module?: string; name: string; kind: string };
interface WasmApi {
  Module: { new (bytes: Uint8Array): object; imports(m: object): Descriptor[]; exports(m: object): Descriptor[] };
  Instance: new (m: object, imports?: object) => { exports: Exports };
  LinkError: new () => Error;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function instantiate(spec: GuestSpec, imports: object = {}): Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(guest(spec)), imports).exports;
}

/** A wasm module exporting one stub per signature, so linking the guest to it checks types exactly. */
function provider(entries: [string, string][]): Exports {
  const wat = (letters: string) => [...letters].map((l) => ({ i: 'i32', I: 'i64' })[l]).join(' ');
  const funcs = entries.map(([name, sig]) => {
    const [p, r] = sig.split(':');
    const result = r ? ` (result ${wat(r)}) (${wat(r)}.const 0)` : '';
    return `(func (export "${name}")${p ? ` (param ${wat(p)})` : ''}${result})`;
  });
  return new WebAssembly.Instance(new WebAssembly.Module(compileWat(`(module ${funcs.join('\n')})`))).exports;
}

const envNames = (abi: AbiName) =>
  [...hostTable(abi).entries()].filter(([k]) => k.startsWith('env.')).map(([k, sig]) => [k.slice(4), sig] as [string, string]);

describe('compileWat', () => {
  it('compiles valid text', () => {
    const bytes = compileWat('(module (func (export "two") (result i32) (i32.const 2)))');
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    expect(inst.exports.two()).toBe(2);
  });

  it('accepts the post-MVP features Envoy enables', () => {
    const bytes = compileWat(`(module
      (memory 1)
      (func (export "f") (param i32) (result i32 i32)
        (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))
        (i32.extend8_s (local.get 0))
        (i32.trunc_sat_f32_s (f32.const 1e20))))`);
    const [a, b] = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f(0xff);
    expect([a, b]).toEqual([-1, 2147483647]);
  });

  it('reports the wabt error and the numbered source', () => {
    const text = '(module\n  (func (result i32)\n    (i32.add (i32.const 1))))';
    expect(() => compileWat(text)).toThrow(/guest\.wat:3:\d+: error: type mismatch/);
    expect(() => compileWat(text)).toThrow(/\n3 \|     \(i32\.add \(i32\.const 1\)\)\)\)/);
    expect(() => compileWat('(module\n  (func $f (call $nope)))')).toThrow(/2 \| {3}\(func \$f \(call \$nope\)\)\)/);
  });
});

describe('guestWat imports', () => {
  it.each(['0_2_0', '0_2_1', '0_2_100'] as AbiName[])('declares every env function of abi %s with its exact signature', (abi) => {
    const entries = envNames(abi);
    const bytes = guest({ abi, imports: entries.map(([n]) => n), body: '' });
    const mod = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(mod)).toEqual(entries.map(([name]) => ({ module: 'env', name, kind: 'function' })));
    expect(() => new WebAssembly.Instance(mod, { env: provider(entries) })).not.toThrow();
    const wrong = entries.map(([n, s]) => [n, n === 'proxy_log' ? 'ii:i' : s] as [string, string]);
    expect(() => new WebAssembly.Instance(mod, { env: provider(wrong) })).toThrow(WebAssembly.LinkError);
  });

  it('declares WASI functions from wasi_snapshot_preview1 with exact signatures', () => {
    const entries = Object.entries(WASI_FUNCTIONS);
    const body = '(func (export "now") (result i32) (call $wasi_clock_time_get (i32.const 1) (i64.const 0) (global.get $scratch)))';
    const mod = new WebAssembly.Module(guest({ wasi: entries.map(([n]) => n), body }));
    expect(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`)).toEqual(
      entries.map(([n]) => `wasi_snapshot_preview1.${n}`),
    );
    const inst = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: provider(entries) });
    expect(inst.exports.now()).toBe(0);
  });

  it('calls through proxy_log with the right bytes', () => {
    const seen: [number, string][] = [];
    let memory: Memory | undefined;
    const proxy_log = (level: number, ptr: number, len: number) => {
      seen.push([level, new TextDecoder().decode(new Uint8Array(memory!.buffer, ptr, len))]);
      return 0;
    };
    const exports = instantiate(
      {
        imports: ['proxy_log'],
        strings: { hello: 'héllo wörld ✓ 🚀' },
        body: `(func (export "run")
          (call $log (i32.const 2) (global.get $hello) (global.get $hello_len))
          (call $log_str (i32.const 4) (global.get $hello) (i32.const 1)))`,
      },
      { env: { proxy_log } },
    );
    memory = exports.memory;
    exports.run();
    expect(seen).toEqual([
      [2, 'héllo wörld ✓ 🚀'],
      [4, 'h'],
    ]);
  });

  it('rejects unknown names', () => {
    expect(() => guestWat({ imports: ['proxy_nope'], body: '' })).toThrow(/unknown host function env\.proxy_nope/);
    expect(() => guestWat({ abi: '0_2_0', imports: ['proxy_get_log_level'], body: '' })).toThrow(/unknown/);
    expect(() => guestWat({ wasi: ['sock_accept'], body: '' })).toThrow(/unknown WASI function sock_accept/);
    expect(() => guestWat({ strings: { 'bad-name': 'x' }, body: '' })).toThrow(/bad string name/);
  });
});

describe('guestWat layout', () => {
  it('places strings 8-aligned from 1024 with UTF-8 lengths', () => {
    const strings = { a: 'x', b: 'ünïcødé ✓', c: '', d: '"quoted" \\ back\nslash\t\0', e: '🚀🚀' };
    const getters = Object.keys(strings)
      .map((n) => `(func (export "${n}") (result i32 i32) (global.get $${n}) (global.get $${n}_len))`)
      .join('\n');
    const exports = instantiate({ strings, body: getters });
    const mem = new Uint8Array((exports.memory as Memory).buffer);
    let prevEnd = 1024;
    for (const [name, text] of Object.entries(strings)) {
      const [addr, len] = exports[name]();
      expect(addr % 8).toBe(0);
      expect(addr).toBeGreaterThanOrEqual(prevEnd);
      expect(len).toBe(Buffer.byteLength(text));
      expect(new TextDecoder().decode(mem.subarray(addr, addr + len))).toBe(text);
      prevEnd = addr + len;
    }
    expect(exports.a()[0]).toBe(1024);
  });

  it('exports memory with the requested pages and provides $scratch and $load32', () => {
    const body = `(func (export "rt") (param i32) (result i32)
      (i32.store (global.get $scratch) (local.get 0)) (call $load32 (global.get $scratch)))
      (func (export "scratch") (result i32) (global.get $scratch))`;
    const exports = instantiate({ body });
    expect((exports.memory as Memory).buffer.byteLength).toBe(2 * 65536);
    expect(exports.rt(0x12345678)).toBe(0x12345678);
    expect(exports.scratch()).toBe(512);
    expect(instantiate({ pages: 5, body: '' }).memory.buffer.byteLength).toBe(5 * 65536);
  });

  it('exports the ABI marker, none when abi is null', () => {
    const exportNames = (spec: GuestSpec) =>
      WebAssembly.Module.exports(new WebAssembly.Module(guest(spec))).map((e) => e.name);
    expect(exportNames({ body: '' })).toContain('proxy_abi_version_0_2_1');
    expect(exportNames({ abi: '0_1_0', body: '' })).toContain('proxy_abi_version_0_1_0');
    expect(exportNames({ abi: '0_2_100', body: '' })).toContain('proxy_abi_version_0_2_100');
    expect(exportNames({ abi: null, body: '' }).filter((n) => n.startsWith('proxy_abi_version'))).toEqual([]);
    expect(exportNames({ allocator: 'proxy_on_memory_allocate', body: '' })).not.toContain('malloc');
    expect(exportNames({ allocator: 'proxy_on_memory_allocate', body: '' })).toContain('proxy_on_memory_allocate');
    const none = exportNames({ allocator: 'none', body: '' });
    expect(none).not.toContain('malloc');
    expect(none).not.toContain('proxy_on_memory_allocate');
    expect(none).toContain('heap_top');
  });
});

describe('bump allocator', () => {
  it('returns 8-aligned increasing pointers from page 1', () => {
    const { malloc, heap_top } = instantiate({ body: '' });
    expect(heap_top()).toBe(65536);
    const ptrs = [1, 13, 8, 0, 100].map((n) => malloc(n));
    expect(ptrs).toEqual([65536, 65544, 65560, 65568, 65576]);
    expect(heap_top()).toBe(65576 + 104);
  });

  it('works under proxy_on_memory_allocate', () => {
    const { proxy_on_memory_allocate, heap_top } = instantiate({ allocator: 'proxy_on_memory_allocate', body: '' });
    expect(proxy_on_memory_allocate(3)).toBe(65536);
    expect(heap_top()).toBe(65544);
  });

  it('grows memory past the initial pages', () => {
    const { malloc, memory, heap_top } = instantiate({ body: '' });
    const ptr = malloc(200_000);
    expect(ptr).toBe(65536);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(65536 + 200_000);
    new Uint8Array(memory.buffer)[ptr + 199_999] = 7;
    expect(malloc(1)).toBe(heap_top() - 8);
    expect(memory.buffer.byteLength % 65536).toBe(0);
  });

  it('returns 0 when memory cannot grow', () => {
    const { malloc, memory, heap_top } = instantiate({ pages: 2, maxPages: 3, body: '' });
    expect(malloc(65536)).toBe(65536);
    expect(memory.buffer.byteLength).toBe(2 * 65536);
    expect(malloc(1)).toBe(131072);
    expect(memory.buffer.byteLength).toBe(3 * 65536);
    expect(malloc(65536)).toBe(0);
    expect(heap_top()).toBe(131080);
    expect(malloc(0xfffffff0)).toBe(0);
    expect(instantiate({ maxPages: 2, body: '' }).malloc(65537)).toBe(0);
  });

  it("'returns-zero' exports a malloc that always returns 0", () => {
    const { malloc, heap_top } = instantiate({ allocator: 'returns-zero', body: '' });
    expect(malloc(16)).toBe(0);
    expect(malloc(0)).toBe(0);
    expect(heap_top()).toBe(65536);
  });
});
