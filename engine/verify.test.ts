/** The build's own checks (DESIGN §2.4), per target: each rejection names the import, export or feature at fault. */
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { verifyModule } from './verify.ts';

const wabt = await wabtInit();
const REDIS_INIT = '(import "env" "proxy_redis_init" (func (param i32 i32 i32 i32 i32 i32 i32) (result i32)))';

function wasm(imports: string, fields: string, features: Record<string, boolean> = {}, marker = 'proxy_abi_version_0_2_1'): Uint8Array {
  const text = `(module
    ${imports}
    (memory (export "memory") 1)
    (func (export "${marker}"))
    (func (export "malloc") (param i32) (result i32) (i32.const 1024))
    ${fields})`;
  const module = wabt.parseWat('t.wat', text, { multi_value: true, bulk_memory: true, ...features });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

const initialize = '(func (export "_initialize"))';

describe('verifyModule for the Higress target', () => {
  it('accepts the Redis imports and the 0_2_100 marker', () => {
    const report = verifyModule(wasm(REDIS_INIT, `${initialize} (func (export "proxy_on_redis_call_response") (param i32 i32 i32 i32))`, {}, 'proxy_abi_version_0_2_100'), 'higress');
    expect(report.imports).toEqual(['env.proxy_redis_init']);
    expect(report.exports).toContain('proxy_on_redis_call_response');
  });

  it('names a missing 0_2_100 marker, a second marker, and an import Higress lacks', () => {
    expect(() => verifyModule(wasm('', initialize), 'higress')).toThrow('export proxy_abi_version_0_2_100 is missing (the higress build needs it)');
    expect(() => verifyModule(wasm('', `${initialize} (func (export "proxy_abi_version_0_2_1"))`, {}, 'proxy_abi_version_0_2_100'), 'higress')).toThrow(
      'export proxy_abi_version_0_2_1 is a second ABI marker; the higress build is proxy_abi_version_0_2_100',
    );
    const bytes = wasm('(import "env" "proxy_dispatch_redis_call" (func (param i32 i32 i32 i32 i32) (result i32)))', initialize, {}, 'proxy_abi_version_0_2_100');
    expect(() => verifyModule(bytes, 'higress')).toThrow('import env.proxy_dispatch_redis_call is not provided by Higress');
  });
});

describe('verifyModule for the Envoy target', () => {
  it('accepts a module that only uses Envoy imports and ABI exports, and reports it', () => {
    const report = verifyModule(
      wasm(
        `(import "env" "proxy_log" (func (param i32 i32 i32) (result i32)))
         (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`,
        `${initialize} (func (export "proxy_on_tick") (param i32))`,
      ),
      'envoy',
    );
    expect(report.imports).toEqual(['env.proxy_log', 'wasi_snapshot_preview1.fd_write']);
    expect(report.exports).toContain('proxy_on_tick');
    expect(report.initialPages).toBe(1);
  });

  it('names a WASI import outside Envoy\'s old 15-function set', () => {
    const bytes = wasm('(import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))', initialize);
    expect(() => verifyModule(bytes, 'envoy')).toThrow('import wasi_snapshot_preview1.poll_oneoff is not provided by Envoy');
  });

  it('names a Higress-only import that vanilla Envoy lacks', () => {
    const bytes = wasm(REDIS_INIT, initialize);
    expect(() => verifyModule(bytes, 'envoy')).toThrow('import env.proxy_redis_init is not provided by Envoy');
  });

  it('names an import whose signature differs from the host table', () => {
    const bytes = wasm('(import "env" "proxy_log" (func (param i32 i32) (result i32)))', initialize);
    expect(() => verifyModule(bytes, 'envoy')).toThrow('import env.proxy_log has signature ii:i; Envoy provides iii:i');
  });

  it('names an export that is not part of the ABI, and one with a wrong signature', () => {
    expect(() => verifyModule(wasm('', `${initialize} (func (export "helper"))`), 'envoy')).toThrow('export helper is not part of the Proxy-Wasm ABI');
    expect(() => verifyModule(wasm('', `${initialize} (func (export "proxy_on_tick") (param i32 i32))`), 'envoy')).toThrow(
      'export proxy_on_tick has signature ii:; Envoy expects i:',
    );
  });

  it('names a missing required export', () => {
    expect(() => verifyModule(wasm('', ''), 'envoy')).toThrow('export _initialize is missing');
  });

  it('names a Wasm feature V8 10.7 does not run', () => {
    const tailCall = `${initialize} (func (export "proxy_on_tick") (param i32) (return_call $t (local.get 0))) (func $t (param i32))`;
    const bytes = wasm('', tailCall, { tail_call: true });
    expect(() => verifyModule(bytes, 'envoy')).toThrow(/uses the Wasm feature "TailCall"/);
  });

  it('rejects an _initialize that calls a host function Envoy restricts during start', () => {
    const bytes = wasm(
      '(import "env" "proxy_get_property" (func $get (param i32 i32 i32 i32) (result i32)))',
      '(func (export "_initialize") (drop (call $get (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))',
    );
    expect(() => verifyModule(bytes, 'envoy')).toThrow('_initialize calls env.proxy_get_property, which Envoy forbids while a VM starts');
  });
});
