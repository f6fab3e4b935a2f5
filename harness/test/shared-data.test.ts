/**
 * Shared data through real WAT guests (reference §4 proxy_get/set_shared_data): NotFound for a missing
 * key, values with their CAS, CasMismatch for a stale CAS, CAS 0 always writing, a missing key inserted
 * whatever the CAS, and one key space for every worker VM.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { guest } from './support/wat.ts';
import { workerSlot } from './support/memory.ts';

const decoder = new TextDecoder();
const request = (path: string) => ({ ':method': 'GET', ':path': path, ':authority': 'a' });

const STRINGS = { key: 'config', fresh: 'fresh-key', v1: 'one', v2: 'two', v3: 'three', v4: 'four' };

/** Runs the whole sequence in on_request_headers; results go to slots (768 + 4·i). */
const sequence = guest({
  imports: ['proxy_get_shared_data', 'proxy_set_shared_data'],
  strings: STRINGS,
  body: `
  (func $set (param $slot i32) (param $v i32) (i32.store (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2))) (local.get $v)))
  (func $get (param $slot i32) (result i32) (i32.load (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2)))))
  (func $read (param $first i32) (param $ptr i32) (param $len i32)
    (call $set (local.get $first) (call $proxy_get_shared_data (local.get $ptr) (local.get $len) (i32.const 512) (i32.const 516) (i32.const 520)))
    (call $set (i32.add (local.get $first) (i32.const 1)) (call $load32 (i32.const 512)))
    (call $set (i32.add (local.get $first) (i32.const 2)) (call $load32 (i32.const 516)))
    (call $set (i32.add (local.get $first) (i32.const 3)) (call $load32 (i32.const 520))))
  (func $write (param $slot i32) (param $value i32) (param $len i32) (param $cas i32)
    (call $set (local.get $slot) (call $proxy_set_shared_data (global.get $key) (global.get $key_len) (local.get $value) (local.get $len) (local.get $cas))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (call $read (i32.const 0) (global.get $key) (global.get $key_len))
    (call $write (i32.const 4) (global.get $v1) (global.get $v1_len) (i32.const 0))
    (call $read (i32.const 5) (global.get $key) (global.get $key_len))
    (call $write (i32.const 9) (global.get $v2) (global.get $v2_len) (call $get (i32.const 8)))
    (call $write (i32.const 10) (global.get $v3) (global.get $v3_len) (call $get (i32.const 8)))
    (call $read (i32.const 11) (global.get $key) (global.get $key_len))
    (call $write (i32.const 15) (global.get $v4) (global.get $v4_len) (i32.const 0))
    (call $read (i32.const 16) (global.get $key) (global.get $key_len))
    (call $set (i32.const 20) (call $proxy_set_shared_data (global.get $fresh) (global.get $fresh_len) (global.get $v1) (global.get $v1_len) (i32.const 12345)))
    (call $read (i32.const 21) (global.get $fresh) (global.get $fresh_len))
    (i32.const 0))`,
});

async function run(): Promise<Host> {
  const host = await createHost({ module: sequence });
  host.newHttpStream().sendRequestHeaders(request('/'), true);
  return host;
}

const value = (host: Host, first: number, worker = 0) =>
  decoder.decode(host.workers[worker]!.memory.read(workerSlot(host, first + 1, worker), workerSlot(host, first + 2, worker)));

describe('shared data (ref §4)', () => {
  it('answers NotFound for a key never set (ref §4)', async () => {
    const host = await run();
    expect(workerSlot(host, 0)).toBe(1);
  });

  it('returns the value that was set with a non-zero CAS (ref §4)', async () => {
    const host = await run();
    expect([workerSlot(host, 4), workerSlot(host, 5), value(host, 5)]).toEqual([0, 0, 'one']);
    expect(workerSlot(host, 8)).not.toBe(0);
  });

  it('accepts a set with the current CAS and gives the key a new CAS (ref §4)', async () => {
    const host = await run();
    expect(workerSlot(host, 9)).toBe(0);
    expect([workerSlot(host, 11), value(host, 11)]).toEqual([0, 'two']);
    expect(workerSlot(host, 14)).not.toBe(workerSlot(host, 8));
  });

  it('rejects a set with a stale CAS with CasMismatch and keeps the value (ref §4)', async () => {
    const host = await run();
    expect(workerSlot(host, 10)).toBe(8);
    expect(value(host, 11)).toBe('two');
  });

  it('always writes with CAS 0 (ref §4)', async () => {
    const host = await run();
    expect([workerSlot(host, 15), value(host, 16)]).toEqual([0, 'four']);
    expect(decoder.decode(host.sharedData.get('config')!.value)).toBe('four');
    expect(host.sharedData.get('config')!.cas).toBe(workerSlot(host, 19));
  });

  it('inserts a missing key whatever CAS is given (ref §4)', async () => {
    const host = await run();
    expect([workerSlot(host, 20), workerSlot(host, 21), value(host, 21)]).toEqual([0, 0, 'one']);
  });
});

const crossWorker = guest({
  imports: ['proxy_get_shared_data', 'proxy_set_shared_data', 'proxy_get_header_map_value'],
  strings: { key: 'shared', mine: 'from worker 0', path: ':path' },
  body: `
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (drop (call $proxy_get_header_map_value (i32.const 0) (global.get $path) (global.get $path_len) (i32.const 512) (i32.const 516)))
    (if (i32.eq (i32.load8_u (i32.add (call $load32 (i32.const 512)) (i32.const 1))) (i32.const 0x77))
      (then (i32.store (i32.const 768) (call $proxy_set_shared_data (global.get $key) (global.get $key_len) (global.get $mine) (global.get $mine_len) (i32.const 0))))
      (else
        (i32.store (i32.const 768) (call $proxy_get_shared_data (global.get $key) (global.get $key_len) (i32.const 772) (i32.const 776) (i32.const 780)))))
    (i32.const 0))`,
});

describe('shared data across worker VMs (ref §4)', () => {
  it('lets a stream on worker 1 read what a stream on worker 0 wrote (ref §4)', async () => {
    const host = await createHost({ module: crossWorker, workers: 2 });
    host.newHttpStream(1).sendRequestHeaders(request('/read'), true);
    expect(workerSlot(host, 0, 1)).toBe(1);
    host.newHttpStream(0).sendRequestHeaders(request('/write'), true);
    expect(workerSlot(host, 0, 0)).toBe(0);
    host.newHttpStream(1).sendRequestHeaders(request('/read'), true);
    expect(workerSlot(host, 0, 1)).toBe(0);
    expect(value(host, 0, 1)).toBe('from worker 0');
  });
});
