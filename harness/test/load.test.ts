/**
 * Loading a plugin (reference §1, §2, §8, §10): module sources, plugin and VM configuration as the guest
 * reads them, plugin identity, and every way Envoy refuses a module before it runs (ABI marker, imports,
 * export signatures, allocator, corrupt bytes, memory cap), each with Envoy's reason.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import { reason, request } from './support/loading.ts';
import { u32 } from './support/memory.ts';
import { compileWat, guest, guestWat, type GuestSpec } from './support/wat.ts';

function withRawImports(spec: GuestSpec, ...lines: string[]): Uint8Array {
  return compileWat(guestWat(spec).replace('(module', `(module\n  ${lines.join('\n  ')}`));
}

const OUT = `(global.get $scratch) (i32.add (global.get $scratch) (i32.const 4))`;
const LOG_OUT = `(call $log (i32.const 2) (call $load32 (global.get $scratch)) (call $load32 (i32.add (global.get $scratch) (i32.const 4))))`;

const configReader = guest({
  imports: ['proxy_log', 'proxy_get_buffer_bytes'],
  body: `
  (func (export "proxy_on_vm_start") (param $root i32) (param $size i32) (result i32)
    (i32.store (i32.const 104) (local.get $size))
    (drop (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (local.get $size) ${OUT}))
    ${LOG_OUT}
    (i32.store (i32.const 108) (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) ${OUT}))
    (i32.const 1))
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (i32.store (i32.const 100) (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (local.get $size) ${OUT}))
    ${LOG_OUT}
    (i32.const 1))
  (func (export "proxy_on_context_create") (param $ctx i32) (param $parent i32)
    (i32.store (select (i32.const 120) (i32.const 116) (local.get $parent))
      (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) ${OUT})))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (i32.store (i32.const 112) (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) ${OUT}))
    (i32.const 0))`,
});

describe('module sources (ref §1)', () => {
  it('loads from bytes, from an ArrayBuffer and from a file path (ref §1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harness-load-'));
    const path = join(dir, 'plugin.wasm');
    await writeFile(path, configReader);
    const copy = configReader.slice().buffer;
    try {
      for (const module of [configReader, copy, path]) {
        const host = await createHost({ module, pluginConfig: 'from-source', canary: false });
        expect(host.logs.messages('info')).toEqual(['', 'from-source']);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a path that does not exist', async () => {
    await expect(createHost({ module: join(tmpdir(), 'no-such-dir-xyz', 'p.wasm') })).rejects.toThrow(/ENOENT/);
  });
});

describe('plugin and VM configuration (ref §1 step 5, §4 get_buffer_bytes, §10)', () => {
  it('passes a string plugin configuration as is to proxy_on_configure (ref §4 PluginConfiguration)', async () => {
    const host = await createHost({ module: configReader, pluginConfig: 'plain text, ünïcode', canary: false });
    expect(u32(host.workers[0]!, 100)).toBe(0);
    expect(host.logs.messages('info')).toEqual(['', 'plain text, ünïcode']);
  });

  it('passes an object plugin configuration as its JSON (ref §10)', async () => {
    const config = { _rules_: [{ _match_route_: ['r1'], limit: 3 }], global: true };
    const host = await createHost({ module: configReader, pluginConfig: config, canary: false });
    expect(host.logs.messages('info')[1]).toBe(JSON.stringify(config));
    expect(JSON.parse(host.logs.messages('info')[1]!)).toEqual(config);
  });

  it('passes the VM configuration size to proxy_on_vm_start and serves it as buffer 6 (ref §1 step 5)', async () => {
    const host = await createHost({ module: configReader, vmConfig: 'vm-config-bytes', canary: false });
    expect(u32(host.workers[0]!, 104)).toBe(15);
    expect(host.logs.messages('info')[0]).toBe('vm-config-bytes');
    const empty = await createHost({ module: configReader, canary: false });
    expect(u32(empty.workers[0]!, 104)).toBe(0);
  });

  it('answers NotFound for PluginConfiguration in proxy_on_vm_start and in a request callback (ref §4)', async () => {
    const host = await createHost({ module: configReader, pluginConfig: 'cfg', canary: false });
    expect(u32(host.workers[0]!, 108)).toBe(1);
    host.newHttpStream().sendRequestHeaders(request, true);
    expect(u32(host.workers[0]!, 112)).toBe(1);
    expect(u32(host.workers[0]!, 120)).toBe(1);
  });

  it('serves PluginConfiguration during the root proxy_on_context_create, as Envoy does (ref §4 quirk)', async () => {
    const host = await createHost({ module: configReader, pluginConfig: 'cfg', canary: false });
    expect(u32(host.workers[0]!, 116)).toBe(0);
  });

  it('reflects plugin name, root id and vm id as properties (ref §5 plugin_*, §10)', async () => {
    const names = { p1: 'plugin_name', p2: 'plugin_root_id', p3: 'plugin_vm_id' };
    const module = guest({
      imports: ['proxy_log', 'proxy_get_property'],
      strings: names,
      body: `
  (func $show (param $ptr i32) (param $len i32)
    (if (i32.eqz (call $proxy_get_property (local.get $ptr) (local.get $len) ${OUT})) (then ${LOG_OUT})))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (call $show (global.get $p1) (global.get $p1_len))
    (call $show (global.get $p2) (global.get $p2_len))
    (call $show (global.get $p3) (global.get $p3_len))
    (i32.const 0))`,
    });
    const host = await createHost({ module, pluginName: 'ns.demo', rootId: 'demo-root', vmId: 'vm-7' });
    host.newHttpStream().sendRequestHeaders(request, true);
    expect(host.logs.messages('info')).toEqual(['ns.demo', 'demo-root', 'vm-7']);
    const byDefault = await createHost({ module, pluginName: 'ns.other' });
    byDefault.newHttpStream().sendRequestHeaders(request, true);
    expect(byDefault.logs.messages('info').slice(0, 2)).toEqual(['ns.other', 'ns.other']);
  });
});

describe('ABI marker (ref §1 step 1, §2)', () => {
  it('rejects a module without an ABI marker (ref §1)', async () => {
    expect(await reason({ module: guest({ abi: null, body: '' }) })).toBe('Missing or unknown Proxy-Wasm ABI version');
  });

  it('ignores a marker that is not a function export (ref §1)', async () => {
    const module = guest({ abi: null, body: '(global (export "proxy_abi_version_0_2_1") i32 (i32.const 0))' });
    expect(await reason({ module })).toBe('Missing or unknown Proxy-Wasm ABI version');
  });

  it('rejects ABI 0.1.0 with a clear reason (ref §2)', async () => {
    expect(await reason({ module: guest({ abi: '0_1_0', body: '' }) })).toMatch(/0[._]1[._]0/);
  });

  it('uses the first marker in export order: 0_2_0 first cannot import proxy_get_log_level (ref §1 step 1)', async () => {
    const markers = (first: string, second: string) =>
      guest({
        abi: null,
        imports: ['proxy_get_log_level'],
        body: `(func (export "proxy_abi_version_${first}")) (func (export "proxy_abi_version_${second}"))`,
      });
    expect(await reason({ module: markers('0_2_0', '0_2_1') })).toBe(
      'Failed to load Wasm module due to a missing import: env.proxy_get_log_level',
    );
    const host = await createHost({ module: markers('0_2_1', '0_2_0') });
    expect(host.workers).toHaveLength(1);
  });

  it('links proxy_get_log_level under 0_2_1 only (ref §2 marker notes)', async () => {
    const body = '(func (export "proxy_abi_version_0_2_0"))';
    const v020 = guest({ abi: null, imports: ['proxy_get_log_level'], body });
    expect(await reason({ module: v020 })).toContain('missing import: env.proxy_get_log_level');
    await expect(createHost({ module: guest({ abi: '0_2_1', imports: ['proxy_get_log_level'], body: '' }) })).resolves.toBeDefined();
    await expect(createHost({ module: guest({ abi: '0_2_0', imports: ['proxy_log'], body: '' }) })).resolves.toBeDefined();
  });
});

describe('imports (ref §1 step 2, §4, §7)', () => {
  it.each([
    ['an unknown env function', '(import "env" "proxy_foo" (func (param i32) (result i32)))', 'env.proxy_foo'],
    ['a WASI function outside the old 15', '(import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))', 'wasi_snapshot_preview1.poll_oneoff'],
    ['fd_filestat_get from wasi_unstable', '(import "wasi_unstable" "fd_filestat_get" (func (param i32 i32) (result i32)))', 'wasi_unstable.fd_filestat_get'],
    ['an unknown module', '(import "other" "proxy_log" (func (param i32 i32 i32) (result i32)))', 'other.proxy_log'],
  ])('fails to link %s (ref §1 step 2)', async (_what, line, key) => {
    expect(await reason({ module: withRawImports({ body: '' }, line) })).toBe(`Failed to load Wasm module due to a missing import: ${key}`);
  });

  it("links Higress's Redis imports on the Higress gateway only (vanilla Envoy lacks them)", async () => {
    const module = withRawImports({ body: '' }, '(import "env" "proxy_redis_init" (func (param i32 i32 i32 i32 i32 i32 i32) (result i32)))');
    expect(await reason({ module, gateway: 'envoy' })).toBe('Failed to load Wasm module due to a missing import: env.proxy_redis_init');
    const host = await createHost({ module });
    expect(host.loaded.gateway).toBe('higress');
  });

  it.each([
    ['proxy_log with two params', '(import "env" "proxy_log" (func (param i32 i32) (result i32)))', 'env.proxy_log', 'i32 i32 -> i32', 'i32 i32 i32 -> i32'],
    ['proxy_increment_metric with an i32 delta', '(import "env" "proxy_increment_metric" (func (param i32 i32) (result i32)))', 'env.proxy_increment_metric', 'i32 i32 -> i32', 'i32 i64 -> i32'],
    ['proc_exit with a result', '(import "wasi_snapshot_preview1" "proc_exit" (func (param i32) (result i32)))', 'wasi_snapshot_preview1.proc_exit', 'i32 -> i32', 'i32 -> void'],
    ['proxy_done with a param', '(import "env" "proxy_done" (func (param i32) (result i32)))', 'env.proxy_done', 'i32 -> i32', 'void -> i32'],
  ])('fails to link %s: import type mismatch (ref §1 step 2)', async (_what, line, key, want, host) => {
    expect(await reason({ module: withRawImports({ body: '' }, line) })).toBe(
      `Failed to load Wasm module due to an import type mismatch for ${key}, want: ${want}, but host exports: ${host}`,
    );
  });

  it('fails to link an imported global (ref §1 step 2)', async () => {
    const module = withRawImports({ body: '' }, '(import "env" "heap_base" (global i32))');
    expect(await reason({ module })).toBe('Failed to load Wasm module due to a missing import: env.heap_base');
  });

  it('accepts the same WASI function from wasi_unstable (ref §7)', async () => {
    const module = withRawImports({ body: '' }, '(import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))');
    await expect(createHost({ module })).resolves.toBeDefined();
  });
});

describe('exports (ref §1 step 3, §2)', () => {
  it('rejects a module with neither malloc nor proxy_on_memory_allocate (ref §1 step 3)', async () => {
    expect(await reason({ module: guest({ allocator: 'none', body: '' }) })).toBe('Wasm module is missing malloc function.');
  });

  it('accepts proxy_on_memory_allocate instead of malloc and allocates with it (ref §2)', async () => {
    const module = guest({
      allocator: 'proxy_on_memory_allocate',
      imports: ['proxy_log', 'proxy_get_buffer_bytes'],
      body: `
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (i32.store (i32.const 100) (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (local.get $size) ${OUT}))
    ${LOG_OUT}
    (i32.const 1))`,
    });
    const host = await createHost({ module, pluginConfig: 'via proxy_on_memory_allocate', canary: false });
    expect(u32(host.workers[0]!, 100)).toBe(0);
    expect(u32(host.workers[0]!, 512)).toBeGreaterThanOrEqual(65536);
    expect(host.logs.messages('info')).toEqual(['via proxy_on_memory_allocate']);
  });

  it.each([
    ['proxy_on_request_headers', '(func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 0))'],
    ['proxy_on_configure', '(func (export "proxy_on_configure") (param i32 i32))'],
    ['proxy_on_tick', '(func (export "proxy_on_tick") (param i32) (result i32) (i32.const 0))'],
    ['main', '(func (export "_initialize")) (func (export "main") (result i32) (i32.const 0))'],
    ['_initialize', '(func (export "_initialize") (param i32))'],
  ])('rejects a bad signature for %s (ref §1 step 3)', async (name, body) => {
    expect(await reason({ module: guest({ body }) })).toBe(`Bad function signature for: ${name}`);
  });

  it('looks up main only with _initialize, and _start only without it (ref §1 step 3, §2)', async () => {
    const commandMain = guest({ body: '(func (export "_start")) (func (export "main") (param i32))' });
    const reactorStart = guest({ body: '(func (export "_initialize")) (func (export "_start") (param i32))' });
    await expect(createHost({ module: commandMain })).resolves.toBeDefined();
    await expect(createHost({ module: reactorStart })).resolves.toBeDefined();
  });

  it('rejects a malloc with a bad signature even when proxy_on_memory_allocate exists (ref §1 step 3)', async () => {
    const module = guest({ allocator: 'proxy_on_memory_allocate', body: '(func (export "malloc") (param i64) (result i32) (i32.const 0))' });
    expect(await reason({ module })).toBe('Bad function signature for: malloc');
  });
});

describe('corrupt modules and limits (ref §1 step 1, §8)', () => {
  it('rejects bytes that are not a Wasm module (ref §1)', async () => {
    const garbage = new TextEncoder().encode('definitely not wasm');
    expect(await reason({ module: garbage })).toMatch(/^Failed to parse corrupted Wasm module/);
  });

  it('rejects a truncated module (ref §1)', async () => {
    const good = guest({ body: '' });
    expect(await reason({ module: good.slice(0, good.length - 7) })).toMatch(/^Failed to parse corrupted Wasm module/);
  });

  it('rejects a section that overruns the module (ref §1)', async () => {
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x07, 0x7f, 0x01]);
    expect(await reason({ module: bytes })).toMatch(/^Failed to parse corrupted Wasm module/);
  });

  it('rejects a module whose code does not validate: Failed to load Wasm bytecode (ref §1)', async () => {
    const bytes = guest({ body: '(func (export "proxy_on_tick") (param i32) (drop (i32.const 12345)))' }).slice();
    const at = bytes.findIndex((b, i) => b === 0x41 && bytes[i + 1] === 0xb9 && bytes[i + 2] === 0xe0 && bytes[i + 3] === 0x00);
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0xfc;
    expect(await reason({ module: bytes })).toMatch(/^Failed to load Wasm bytecode/);
  });

  it('rejects a memory minimum above the 16384-page cap (ref §8)', async () => {
    const why = await reason({ module: guest({ pages: 16385, body: '' }) });
    expect(why).toContain('16384');
    expect(why).toContain('16385');
  });

  it('honours a lower maxMemoryPages for the minimum (ref §8)', async () => {
    expect(await reason({ module: guest({ pages: 5, body: '' }), maxMemoryPages: 4 })).toContain('5 pages');
  });
});
