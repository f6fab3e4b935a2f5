/**
 * Starting VMs (reference §1 steps 4–6, §7, §9 context ids, §11): `_initialize`/`main`/`_start` order,
 * restricted host calls while they run, the root context's create/vm_start/configure, failures that
 * reject `createHost`, and the canary plus one independent VM per worker.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import type { VmInstance } from '../src/vm/vm.ts';
import { reason, request } from './support/loading.ts';
import { u32 } from './support/memory.ts';
import { guest } from './support/wat.ts';

const vmLines = (host: Host, vm: VmInstance) => host.logs.entries.filter((e) => e.vm === vm.index && e.source === 'plugin').map((e) => e.message);
const START = ['_initialize', 'main', 'proxy_on_context_create', 'proxy_on_vm_start', 'proxy_on_configure'];

const say = (name: string) => `(call $log (i32.const 2) (global.get $${name}) (global.get $${name}_len))`;

const lifecycle = guest({
  imports: ['proxy_log'],
  strings: { init: '_initialize', main: 'main', start: '_start', create: 'proxy_on_context_create', vmStart: 'proxy_on_vm_start', configure: 'proxy_on_configure' },
  body: `
  (data (i32.const 120) "\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\ff")
  (global $requests (mut i32) (i32.const 0))
  (func (export "_initialize") ${say('init')})
  (func (export "main") (param $argc i32) (param $argv i32) (result i32)
    (i32.store (i32.const 120) (local.get $argc))
    (i32.store (i32.const 124) (local.get $argv))
    ${say('main')} (i32.const 0))
  (func (export "_start") ${say('start')})
  (func (export "proxy_on_context_create") (param $ctx i32) (param $parent i32)
    (if (i32.eqz (local.get $parent))
      (then ${say('create')} (i32.store (i32.const 100) (local.get $ctx)))
      (else (i32.store (i32.const 104) (local.get $parent)) (i32.store (i32.const 108) (local.get $ctx)))))
  (func (export "proxy_on_vm_start") (param $root i32) (param $size i32) (result i32)
    ${say('vmStart')} (i32.store (i32.const 112) (local.get $root)) (i32.const 1))
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    ${say('configure')} (i32.store (i32.const 116) (local.get $root)) (i32.const 1))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (global.set $requests (i32.add (global.get $requests) (i32.const 1)))
    (i32.store (i32.const 128) (global.get $requests))
    (i32.const 0))`,
});

describe('start order (ref §1 steps 4–5)', () => {
  it('runs _initialize, main(0,0), then context_create, vm_start and configure on the root (ref §1)', async () => {
    const host = await createHost({ module: lifecycle, canary: false });
    const vm = host.workers[0]!;
    expect(vmLines(host, vm)).toEqual(START);
    expect([u32(vm, 120), u32(vm, 124)]).toEqual([0, 0]);
    expect([u32(vm, 100), u32(vm, 112), u32(vm, 116)]).toEqual([1, 1, 1]);
  });

  it('calls _start only when there is no _initialize, and never main then (ref §1 step 4, §2)', async () => {
    const module = guest({
      imports: ['proxy_log'],
      strings: { start: '_start', main: 'main', vmStart: 'proxy_on_vm_start' },
      body: `
  (func (export "_start") ${say('start')})
  (func (export "main") (param i32 i32) (result i32) ${say('main')} (i32.const 0))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) ${say('vmStart')} (i32.const 1))`,
    });
    const host = await createHost({ module, canary: false });
    expect(host.logs.messages()).toEqual(['_start', 'proxy_on_vm_start']);
  });

  it('starts a module that exports none of _initialize, main, _start (ref §1 step 4)', async () => {
    const module = guest({ imports: ['proxy_log'], strings: { vmStart: 'vm' }, body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) ${say('vmStart')} (i32.const 1))` });
    const host = await createHost({ module, canary: false });
    expect(host.logs.messages()).toEqual(['vm']);
  });
});

describe('restricted callbacks during start (ref §7)', () => {
  it.each([
    ['proxy_get_property', '(call $proxy_get_property (i32.const 1024) (i32.const 4) (i32.const 512) (i32.const 516))'],
    ['proxy_get_current_time_nanoseconds', '(call $proxy_get_current_time_nanoseconds (i32.const 512))'],
    ['proxy_define_metric', '(call $proxy_define_metric (i32.const 0) (i32.const 1024) (i32.const 4) (i32.const 512))'],
    ['proxy_get_buffer_bytes', '(call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 8) (i32.const 512) (i32.const 516))'],
    ['proxy_get_log_level', '(call $proxy_get_log_level (i32.const 512))'],
    ['proxy_set_tick_period_milliseconds', '(call $proxy_set_tick_period_milliseconds (i32.const 1000))'],
    ['proxy_set_shared_data', '(call $proxy_set_shared_data (i32.const 1024) (i32.const 4) (i32.const 1024) (i32.const 4) (i32.const 0))'],
  ])('fails the load when _initialize calls %s (ref §7)', async (name, call) => {
    const module = guest({ imports: [name], strings: { path: 'path' }, body: `(func (export "_initialize") (drop ${call}))` });
    expect(await reason({ module })).toContain('restricted_callback');
  });

  it.each([
    ['fd_fdstat_get', '(call $wasi_fd_fdstat_get (i32.const 1) (i32.const 512))'],
    ['fd_seek', '(call $wasi_fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 512))'],
    ['fd_read', '(call $wasi_fd_read (i32.const 0) (i32.const 512) (i32.const 0) (i32.const 520))'],
    ['path_open', '(call $wasi_path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 512))'],
  ])('fails the load when _initialize calls WASI %s, outside the old allowed set (ref §7)', async (name, call) => {
    const module = guest({ wasi: [name], body: `(func (export "_initialize") (drop ${call}))` });
    expect(await reason({ module })).toContain('restricted_callback');
  });

  it('restricts main and _start as well (ref §7)', async () => {
    const call = '(drop (call $proxy_get_current_time_nanoseconds (i32.const 512)))';
    const imports = ['proxy_get_current_time_nanoseconds'];
    const inMain = guest({ imports, body: `(func (export "_initialize")) (func (export "main") (param i32 i32) (result i32) ${call} (i32.const 0))` });
    const inStart = guest({ imports, body: `(func (export "_start") ${call})` });
    expect(await reason({ module: inMain })).toContain('restricted_callback');
    expect(await reason({ module: inStart })).toContain('restricted_callback');
  });

  it('allows proxy_log, fd_write, clock_time_get, random_get, environ_* and args_* in _initialize, and lifts it afterwards (ref §7)', async () => {
    const module = guest({
      imports: ['proxy_log', 'proxy_get_current_time_nanoseconds'],
      wasi: ['fd_write', 'clock_time_get', 'random_get', 'environ_sizes_get', 'environ_get', 'args_sizes_get', 'args_get'],
      strings: { hi: 'hi from init', out: 'stdout in init' },
      body: `
  (func (export "_initialize")
    (i32.store (i32.const 600) (global.get $out))
    (i32.store (i32.const 604) (global.get $out_len))
    (i32.store (i32.const 140) (call $proxy_log (i32.const 2) (global.get $hi) (global.get $hi_len)))
    (i32.store (i32.const 144) (call $wasi_fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 608)))
    (i32.store (i32.const 148) (call $wasi_clock_time_get (i32.const 0) (i64.const 1) (i32.const 616)))
    (i32.store (i32.const 152) (call $wasi_random_get (i32.const 640) (i32.const 16)))
    (i32.store (i32.const 156) (call $wasi_environ_sizes_get (i32.const 624) (i32.const 628)))
    (i32.store (i32.const 160) (call $wasi_environ_get (i32.const 700) (i32.const 800)))
    (i32.store (i32.const 164) (call $wasi_args_sizes_get (i32.const 632) (i32.const 636)))
    (i32.store (i32.const 168) (call $wasi_args_get (i32.const 700) (i32.const 800))))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
    (i32.store (i32.const 172) (call $proxy_get_current_time_nanoseconds (i32.const 656)))
    (i32.const 1))`,
    });
    const host = await createHost({ module, environment: { MODE: 'test' }, canary: false });
    const vm = host.workers[0]!;
    expect([140, 144, 148, 152, 156, 160, 164, 168, 172].map((a) => u32(vm, a))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(host.logs.messages('info')).toEqual(['hi from init', 'stdout in init']);
    expect(u32(vm, 624)).toBe(1);
  });
});

describe('start failures (ref §1 steps 4–5, §7)', () => {
  const failing = (vmStart: number, configure: number) =>
    guest({
      body: `
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const ${vmStart}))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const ${configure}))`,
    });

  it('rejects when proxy_on_vm_start returns 0 (ref §1 step 5)', async () => {
    expect(await reason({ module: failing(0, 1) })).toContain('proxy_on_vm_start');
  });

  it('rejects when proxy_on_configure returns 0 (ref §1 step 5)', async () => {
    expect(await reason({ module: failing(1, 0) })).toContain('proxy_on_configure');
  });

  it('treats any non-zero result as success (ref §2 bool results)', async () => {
    await expect(createHost({ module: failing(-1, 7) })).resolves.toBeDefined();
  });

  it('rejects when _initialize traps (ref §1 step 7)', async () => {
    const why = await reason({ module: guest({ body: '(func (export "_initialize") unreachable)' }) });
    expect(why).toContain('_initialize');
    expect(why).toMatch(/unreachable/i);
  });

  it('rejects when proxy_on_configure traps (ref §1 step 7)', async () => {
    const module = guest({ body: '(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.load (i32.const -4)))' });
    const why = await reason({ module });
    expect(why).toContain('proxy_on_configure');
    expect(why).toMatch(/out of bounds/i);
  });
});

describe('several VMs: canary and workers (ref §1 step 6, §9)', () => {
  it('runs _initialize, vm_start and configure in the canary and each of 3 workers (ref §1 step 6)', async () => {
    const host = await createHost({ module: lifecycle, workers: 3 });
    expect(host.workers).toHaveLength(3);
    expect(host.canary).toBeDefined();
    expect(host.workers).not.toContain(host.canary);
    for (const line of START) expect(host.logs.messages('info').filter((m) => m === line)).toHaveLength(4);
    for (const vm of [host.canary!, ...host.workers]) expect(vmLines(host, vm)).toEqual(START);
    expect(host.logs.messages('info')).not.toContain('_start');
  });

  it('gives each worker its own memory (ref §1 step 6)', async () => {
    const host = await createHost({ module: lifecycle, workers: 3 });
    for (const worker of [0, 0, 1, 0]) host.newHttpStream(worker).sendRequestHeaders(request, true);
    expect(host.workers.map((vm) => u32(vm, 128))).toEqual([3, 1, 0]);
    expect(u32(host.canary!, 128)).toBe(0);
  });

  it('numbers contexts per VM: root 1, first stream 2 (ref §9 context ids)', async () => {
    const host = await createHost({ module: lifecycle, workers: 3 });
    for (const [i, vm] of host.workers.entries()) {
      expect(u32(vm, 100)).toBe(1);
      const stream = host.newHttpStream(i);
      stream.sendRequestHeaders(request, true);
      expect(stream.contextId).toBe(2);
      expect([u32(vm, 104), u32(vm, 108)]).toEqual([1, 2]);
    }
    expect(u32(host.canary!, 100)).toBe(1);
  });

  it('rejects the configuration when the canary fails, even with no workers (ref §1 step 6)', async () => {
    const module = guest({ body: '(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 0))' });
    expect(await reason({ module, workers: 0 })).toContain('proxy_on_configure');
    const noCanary = await createHost({ module, workers: 0, canary: false });
    expect(noCanary.canary).toBeUndefined();
  });
});
