/**
 * Shared queues through real WAT guests on two workers (reference §4): register and re-register, resolve
 * by name with an empty vm_id, NotFound for unknown names and ids, Empty when drained, and
 * `proxy_on_queue_ready` delivered to the registering root on its own VM after the enqueuing callback.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { guest } from './support/wat.ts';
import { workerSlot } from './support/memory.ts';

const request = (path: string) => ({ ':method': 'GET', ':path': path, ':authority': 'a' });

const queues = guest({
  imports: [
    'proxy_log', 'proxy_get_header_map_value', 'proxy_register_shared_queue', 'proxy_resolve_shared_queue',
    'proxy_enqueue_shared_queue', 'proxy_dequeue_shared_queue',
  ],
  strings: { path: ':path', jobs: 'jobs', nope: 'nope', other_vm: 'other-vm', a: 'a', b: 'b', empty: 'empty' },
  body: `
  (func $set (param $slot i32) (param $v i32) (i32.store (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2))) (local.get $v)))
  (func $get (param $slot i32) (result i32) (i32.load (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2)))))
  (func $register
    (call $set (i32.const 0) (call $proxy_register_shared_queue (global.get $jobs) (global.get $jobs_len) (i32.const 512)))
    (call $set (i32.const 1) (call $load32 (i32.const 512)))
    (call $set (i32.const 2) (call $proxy_register_shared_queue (global.get $jobs) (global.get $jobs_len) (i32.const 512)))
    (call $set (i32.const 3) (call $load32 (i32.const 512)))
    (call $set (i32.const 4) (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (global.get $jobs) (global.get $jobs_len) (i32.const 512)))
    (call $set (i32.const 5) (call $load32 (i32.const 512)))
    (call $set (i32.const 6) (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (global.get $nope) (global.get $nope_len) (i32.const 512)))
    (call $set (i32.const 7) (call $proxy_resolve_shared_queue (global.get $other_vm) (global.get $other_vm_len) (global.get $jobs) (global.get $jobs_len) (i32.const 512)))
    (call $set (i32.const 8) (call $proxy_enqueue_shared_queue (i32.const 999) (global.get $a) (global.get $a_len)))
    (call $set (i32.const 9) (call $proxy_dequeue_shared_queue (i32.const 999) (i32.const 512) (i32.const 516)))
    (call $set (i32.const 10) (call $proxy_dequeue_shared_queue (call $get (i32.const 1)) (i32.const 512) (i32.const 516))))
  (func $enqueue
    (drop (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (global.get $jobs) (global.get $jobs_len) (i32.const 512)))
    (call $set (i32.const 11) (call $proxy_enqueue_shared_queue (call $load32 (i32.const 512)) (global.get $a) (global.get $a_len)))
    (call $set (i32.const 12) (call $proxy_enqueue_shared_queue (call $load32 (i32.const 512)) (global.get $b) (global.get $b_len))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (drop (call $proxy_get_header_map_value (i32.const 0) (global.get $path) (global.get $path_len) (i32.const 512) (i32.const 516)))
    (if (i32.eq (i32.load8_u (i32.add (call $load32 (i32.const 512)) (i32.const 1))) (i32.const 0x72))
      (then (call $register))
      (else (call $enqueue)))
    (i32.const 0))
  (func (export "proxy_on_queue_ready") (param $root i32) (param $id i32) (local $status i32)
    (call $set (i32.const 20) (i32.add (call $get (i32.const 20)) (i32.const 1)))
    (call $set (i32.const 21) (local.get $root))
    (call $set (i32.const 22) (local.get $id))
    (block $done
      (loop $next
        (local.set $status (call $proxy_dequeue_shared_queue (local.get $id) (i32.const 512) (i32.const 516)))
        (if (i32.ne (local.get $status) (i32.const 0))
          (then
            (if (i32.eq (local.get $status) (i32.const 7)) (then (call $log (i32.const 2) (global.get $empty) (global.get $empty_len))))
            (br $done)))
        (call $log (i32.const 2) (call $load32 (i32.const 512)) (call $load32 (i32.const 516)))
        (br $next))))`,
});

const pluginLines = (host: Host, worker: number) =>
  host.logs.entries.filter((e) => e.source === 'plugin' && e.vm === host.workers[worker]!.index).map((e) => e.message);

async function registered(): Promise<Host> {
  const host = await createHost({ module: queues, workers: 2 });
  host.newHttpStream(0).sendRequestHeaders(request('/register'), true);
  return host;
}

describe('shared queues (ref §4)', () => {
  it('registers a queue and returns the same id when it is registered again (ref §4)', async () => {
    const host = await registered();
    expect([workerSlot(host, 0, 0), workerSlot(host, 2, 0)]).toEqual([0, 0]);
    expect(workerSlot(host, 1, 0)).toBeGreaterThan(0);
    expect(workerSlot(host, 3, 0)).toBe(workerSlot(host, 1, 0));
  });

  it('resolves the name with an empty vm_id; an unknown name or vm_id is NotFound (ref §4)', async () => {
    const host = await registered();
    expect([workerSlot(host, 4, 0), workerSlot(host, 5, 0)]).toEqual([0, workerSlot(host, 1, 0)]);
    expect([workerSlot(host, 6, 0), workerSlot(host, 7, 0)]).toEqual([1, 1]);
  });

  it('answers NotFound for an unknown id and Empty for an empty queue (ref §4)', async () => {
    const host = await registered();
    expect([workerSlot(host, 8, 0), workerSlot(host, 9, 0), workerSlot(host, 10, 0)]).toEqual([1, 1, 7]);
  });

  it('calls proxy_on_queue_ready on the registering VM after the enqueuing callback, items in order then Empty (ref §4)', async () => {
    const host = await registered();
    host.newHttpStream(1).sendRequestHeaders(request('/enqueue'), true);
    expect([workerSlot(host, 11, 1), workerSlot(host, 12, 1)]).toEqual([0, 0]);
    expect(workerSlot(host, 20, 0)).toBe(0);
    await host.idle();
    expect(workerSlot(host, 20, 0)).toBe(2);
    expect([workerSlot(host, 21, 0), workerSlot(host, 22, 0)]).toEqual([host.workers[0]!.root!.id, workerSlot(host, 1, 0)]);
    expect(pluginLines(host, 0)).toEqual(['a', 'b', 'empty', 'empty']);
    expect([workerSlot(host, 20, 1), pluginLines(host, 1)]).toEqual([0, []]);
  });
});
