/**
 * The WASI functions Envoy provides (reference §7): stdout/stderr as log lines, the unsupported file
 * calls and their errnos, environment variables, args, clocks, random bytes, `proc_exit`, and FAULT for
 * pointers outside linear memory. Each guest makes its calls in `proxy_on_vm_start` and stores the errnos.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type HostOptions } from '../src/index.ts';
import type { VmInstance } from '../src/vm/vm.ts';
import { guest, type GuestSpec } from './support/wat.ts';
import { u32, u32s } from './support/memory.ts';

const u64 = (vm: VmInstance, addr: number) => new DataView(vm.memory.read(addr, 8).buffer).getBigUint64(0, true);

const IOV = `
  (func $iov (param $at i32) (param $ptr i32) (param $len i32)
    (i32.store (local.get $at) (local.get $ptr))
    (i32.store offset=4 (local.get $at) (local.get $len)))`;

async function run(spec: Omit<GuestSpec, 'body'>, calls: string, options: Partial<HostOptions> = {}, extra = '') {
  const module = guest({ ...spec, body: `${IOV}\n  (func (export "proxy_on_vm_start") (param i32 i32) (result i32)\n${calls}\n    (i32.const 1))${extra}` });
  const host = await createHost({ module, canary: false, ...options });
  return { host, vm: host.workers[0]! };
}

describe('fd_write (ref §7)', () => {
  const stdio = () =>
    run(
      { wasi: ['fd_write'], strings: { hello: 'hello\n', oops: 'oops', a: 'a', b: 'b', c: 'c\n\n', late: 'late' } },
      `
    (call $iov (i32.const 600) (global.get $hello) (global.get $hello_len))
    (i32.store (i32.const 100) (call $wasi_fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 200)))
    (call $iov (i32.const 600) (global.get $oops) (global.get $oops_len))
    (i32.store (i32.const 104) (call $wasi_fd_write (i32.const 2) (i32.const 600) (i32.const 1) (i32.const 204)))
    (call $iov (i32.const 600) (global.get $a) (global.get $a_len))
    (call $iov (i32.const 608) (global.get $b) (global.get $b_len))
    (call $iov (i32.const 616) (global.get $c) (global.get $c_len))
    (i32.store (i32.const 108) (call $wasi_fd_write (i32.const 1) (i32.const 600) (i32.const 3) (i32.const 208)))
    (i32.store (i32.const 212) (i32.const -1))
    (call $iov (i32.const 600) (i32.const -256) (i32.const 0))
    (i32.store (i32.const 112) (call $wasi_fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 212)))
    (i32.store (i32.const 216) (i32.const -1))
    (i32.store (i32.const 116) (call $wasi_fd_write (i32.const 2) (i32.const 600) (i32.const 0) (i32.const 216)))
    (call $iov (i32.const 600) (global.get $hello) (global.get $hello_len))
    (i32.store (i32.const 120) (call $wasi_fd_write (i32.const 3) (i32.const 600) (i32.const 1) (i32.const 220)))
    (i32.store (i32.const 124) (call $wasi_fd_write (i32.const 0) (i32.const 600) (i32.const 1) (i32.const 220)))
    (i32.store (i32.const 128) (call $wasi_fd_write (i32.const 1) (i32.const -8) (i32.const 1) (i32.const 220)))
    (call $iov (i32.const 600) (i32.const 131000) (i32.const 100))
    (i32.store (i32.const 132) (call $wasi_fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 220)))
    (call $iov (i32.const 600) (global.get $late) (global.get $late_len))
    (i32.store (i32.const 136) (call $wasi_fd_write (i32.const 2) (i32.const 600) (i32.const 1) (i32.const -1)))`,
    );

  it('logs fd 1 at info and fd 2 at error, one trailing newline stripped (ref §7)', async () => {
    const { host, vm } = await stdio();
    expect(u32s(vm, 100, 3)).toEqual([0, 0, 0]);
    expect(host.logs.messages('info')).toEqual(['hello', 'abc\n']);
    expect(host.logs.messages('error')).toEqual(['oops', 'late']);
  });

  it('concatenates several iovecs into one line and writes nwritten (ref §7)', async () => {
    const { vm } = await stdio();
    expect(u32s(vm, 200, 3)).toEqual([6, 4, 5]);
  });

  it('logs nothing for an empty write and sets nwritten 0, without checking a zero-length buffer pointer (ref §7)', async () => {
    const { host, vm } = await stdio();
    expect(u32s(vm, 112, 2)).toEqual([0, 0]);
    expect(u32s(vm, 212, 2)).toEqual([0, 0]);
    expect(host.logs.messages()).toHaveLength(4);
  });

  it('answers BADF for any fd other than 1 and 2 (ref §7)', async () => {
    const { vm } = await stdio();
    expect(u32s(vm, 120, 2)).toEqual([8, 8]);
  });

  it('answers FAULT for an iovec table or buffer outside memory, logging nothing (ref §7)', async () => {
    const { host, vm } = await stdio();
    expect(u32s(vm, 128, 2)).toEqual([21, 21]);
    expect(host.logs.messages()).toEqual(['hello', 'oops', 'abc\n', 'late']);
  });

  it('logs the line, then answers FAULT for a bad nwritten pointer (ref §7)', async () => {
    const { host, vm } = await stdio();
    expect(u32(vm, 136)).toBe(21);
    expect(host.logs.messages('error')).toContain('late');
  });
});

describe('files, args and proc_exit (ref §7)', () => {
  const files = () =>
    run(
      {
        wasi: ['fd_read', 'fd_seek', 'fd_close', 'fd_fdstat_get', 'args_sizes_get', 'args_get', 'path_open', 'fd_prestat_get', 'fd_prestat_dir_name', 'proc_exit'],
        strings: { path: 'etc/passwd' },
      },
      `
    (memory.fill (i32.const 800) (i32.const 0xff) (i32.const 96))
    (i32.store (i32.const 700) (i32.const -1))
    (i32.store (i32.const 704) (i32.const -1))
    (i32.store (i32.const 100) (call $wasi_fd_read (i32.const 0) (i32.const 600) (i32.const 1) (i32.const 720)))
    (i32.store (i32.const 104) (call $wasi_fd_seek (i32.const 3) (i64.const 0) (i32.const 0) (i32.const 720)))
    (i32.store (i32.const 108) (call $wasi_fd_close (i32.const 3)))
    (i32.store (i32.const 112) (call $wasi_fd_fdstat_get (i32.const 1) (i32.const 800)))
    (i32.store (i32.const 116) (call $wasi_fd_fdstat_get (i32.const 2) (i32.const 832)))
    (i32.store (i32.const 120) (call $wasi_fd_fdstat_get (i32.const 0) (i32.const 864)))
    (i32.store (i32.const 124) (call $wasi_fd_fdstat_get (i32.const 3) (i32.const 864)))
    (i32.store (i32.const 128) (call $wasi_fd_fdstat_get (i32.const 1) (i32.const -16)))
    (i32.store (i32.const 132) (call $wasi_args_sizes_get (i32.const 700) (i32.const 704)))
    (i32.store (i32.const 136) (call $wasi_args_get (i32.const 720) (i32.const 740)))
    (i32.store (i32.const 140) (call $wasi_path_open (i32.const 3) (i32.const 0) (global.get $path) (global.get $path_len)
      (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 720)))
    (i32.store (i32.const 144) (call $wasi_fd_prestat_get (i32.const 3) (i32.const 720)))
    (i32.store (i32.const 148) (call $wasi_fd_prestat_dir_name (i32.const 3) (i32.const 720) (i32.const 16)))
    (call $wasi_proc_exit (i32.const 3))
    (i32.store (i32.const 152) (i32.const 1))
    (i32.store (i32.const 156) (call $wasi_args_sizes_get (i32.const -2) (i32.const 704)))`,
    );

  it('answers NOSYS for fd_read; fd_seek and fd_close log through Context::error and return 0 (ref §7)', async () => {
    const { host, vm } = await files();
    expect(u32s(vm, 100, 3)).toEqual([52, 0, 0]);
    expect(host.logs.hostMessages()).toEqual(expect.arrayContaining(['wasi_unstable fd_seek', 'wasi_unstable fd_close']));
  });

  it('fd_fdstat_get writes 24 bytes with rights_base 64 for fd 1 and 2, BADF otherwise (ref §7)', async () => {
    const { vm } = await files();
    expect(u32s(vm, 112, 4)).toEqual([0, 0, 8, 8]);
    for (const at of [800, 832]) expect([u64(vm, at), u64(vm, at + 8), u64(vm, at + 16)]).toEqual([0n, 64n, 0n]);
    expect(u32(vm, 824)).toBe(0xffffffff);
    expect(u32(vm, 864)).toBe(0xffffffff);
  });

  it('fd_fdstat_get ignores a stat pointer outside memory and returns 0, as cpp-host does (ref §7)', async () => {
    const { vm } = await files();
    expect(u32(vm, 128)).toBe(0);
  });

  it('reports no args: args_sizes_get writes 0,0; args_get returns 0 (ref §7)', async () => {
    const { vm } = await files();
    expect(u32s(vm, 132, 2)).toEqual([0, 0]);
    expect(u32s(vm, 700, 2)).toEqual([0, 0]);
    expect(u32(vm, 156)).toBe(21);
  });

  it('answers NOENT for path_open, BADF for fd_prestat_get, NOSYS for fd_prestat_dir_name (ref §7)', async () => {
    const { vm } = await files();
    expect(u32s(vm, 140, 3)).toEqual([44, 8, 52]);
  });

  it('proc_exit logs and returns, and the guest carries on (ref §7)', async () => {
    const { host, vm } = await files();
    expect(u32(vm, 152)).toBe(1);
    expect(host.logs.hostMessages()).toContain('wasi_unstable proc_exit');
    expect(host.workers[0]!.failure).toBeUndefined();
  });
});

describe('environment, clocks and random (ref §7)', () => {
  const calls = `
    (i32.store (i32.const 100) (call $wasi_environ_sizes_get (i32.const 200) (i32.const 204)))
    (i32.store (i32.const 104) (call $wasi_environ_get (i32.const 208) (i32.const 4096)))
    (i32.store (i32.const 108) (call $wasi_clock_time_get (i32.const 0) (i64.const 1) (i32.const 300)))
    (i32.store (i32.const 112) (call $wasi_clock_time_get (i32.const 1) (i64.const 1) (i32.const 308)))
    (i32.store (i32.const 116) (call $wasi_clock_time_get (i32.const 2) (i64.const 1) (i32.const 316)))
    (i32.store (i32.const 120) (call $wasi_clock_time_get (i32.const 3) (i64.const 1) (i32.const 316)))
    (i32.store (i32.const 124) (call $wasi_random_get (i32.const 8192) (i32.const 64)))
    (i32.store (i32.const 128) (call $wasi_random_get (i32.const 16384) (i32.const 65536)))
    (i32.store (i32.const 132) (call $wasi_random_get (i32.const 16384) (i32.const 65537)))
    (i32.store (i32.const 136) (call $wasi_random_get (i32.const -16) (i32.const 0)))
    (i32.store (i32.const 140) (call $wasi_random_get (i32.const 131064) (i32.const 16)))
    (i32.store (i32.const 144) (call $wasi_clock_time_get (i32.const 0) (i64.const 1) (i32.const 131068)))
    (i32.store (i32.const 148) (call $wasi_environ_sizes_get (i32.const -1) (i32.const 204)))
    (i32.store (i32.const 152) (call $wasi_environ_get (i32.const 131070) (i32.const 4096)))`;
  const onRequest = `
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $wasi_clock_time_get (i32.const 1) (i64.const 1) (i32.const 324)))
    (drop (call $wasi_clock_time_get (i32.const 0) (i64.const 1) (i32.const 332)))
    (i32.const 0))`;
  const spec = { wasi: ['environ_sizes_get', 'environ_get', 'clock_time_get', 'random_get'] };
  const environment = { LANG: 'C', PLUGIN_MODE: 'strict' };

  it('exposes the environment option as KEY=VALUE\\0 entries (ref §7)', async () => {
    const { vm } = await run(spec, calls, { environment });
    expect(u32s(vm, 100, 2)).toEqual([0, 0]);
    expect(u32s(vm, 200, 2)).toEqual([2, 26]);
    const entries = new TextDecoder().decode(vm.memory.read(4096, 26)).split('\0');
    expect(entries.pop()).toBe('');
    expect([...entries].sort()).toEqual(['LANG=C', 'PLUGIN_MODE=strict']);
    expect(u32s(vm, 208, 2)).toEqual([4096, 4096 + entries[0]!.length + 1]);
  });

  it('reports an empty environment as 0 entries of 0 bytes (ref §7)', async () => {
    const { vm } = await run(spec, calls);
    expect(u32s(vm, 200, 2)).toEqual([0, 0]);
    expect(u32(vm, 104)).toBe(0);
  });

  it('clock 0 is the wall clock, clock 1 is monotonic and follows advanceTime, others NOTSUP (ref §7)', async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const { host, vm } = await run(spec, calls, {}, onRequest);
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(u32s(vm, 108, 4)).toEqual([0, 0, 58, 58]);
    expect(u64(vm, 300)).toBeGreaterThanOrEqual(before - 1_000_000n);
    expect(u64(vm, 300)).toBeLessThanOrEqual(after + 1_000_000n);
    host.advanceTime(1500);
    host.newHttpStream().sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
    expect(u64(vm, 324) - u64(vm, 308)).toBe(1_500_000_000n);
    expect(u64(vm, 332) - u64(vm, 300)).toBe(1_500_000_000n);
  });

  it('random_get fills up to 65536 bytes and answers INVAL above (ref §7, §8)', async () => {
    const { vm } = await run(spec, calls);
    expect(u32s(vm, 124, 3)).toEqual([0, 0, 28]);
    expect(vm.memory.read(8192, 64).some((b) => b !== 0)).toBe(true);
    expect(vm.memory.read(16384, 65536).some((b) => b !== 0)).toBe(true);
  });

  it('answers FAULT for out-of-memory pointers, but not for a zero-length random_get (ref §7)', async () => {
    const { vm } = await run(spec, calls, { environment });
    expect(u32s(vm, 136, 5)).toEqual([0, 21, 21, 21, 21]);
  });
});
