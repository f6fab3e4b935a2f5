/**
 * Root context lifecycle through real WAT guests (reference §4 proxy_set_effective_context / proxy_done,
 * §9 "Root shutdown"): BadArgument for an unknown context, `host.shutdown()` calling on_done then
 * on_delete, and a root that answers false waiting (still ticking) for `proxy_done`, which is NotFound
 * at any other time.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { guest } from './support/wat.ts';
import { workerSlot } from './support/memory.ts';

function rootGuest(doneResult: number): Uint8Array {
  return guest({
    imports: ['proxy_log', 'proxy_set_effective_context', 'proxy_set_tick_period_milliseconds', 'proxy_done'],
    strings: { done: 'done', delete: 'delete', tick: 'tick', tick_end: 'tick-end' },
    body: `
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (i32.store (i32.const 768) (call $proxy_set_effective_context (i32.const 99)))
    (i32.store (i32.const 772) (call $proxy_set_effective_context (local.get $root)))
    (drop (call $proxy_set_tick_period_milliseconds (i32.const 100)))
    (i32.const 1))
  (func (export "proxy_on_tick") (param $root i32)
    (call $log (i32.const 2) (global.get $tick) (global.get $tick_len))
    (i32.store (i32.const 776) (call $proxy_done))
    (call $log (i32.const 2) (global.get $tick_end) (global.get $tick_end_len)))
  (func (export "proxy_on_done") (param $ctx i32) (result i32)
    (call $log (i32.const 2) (global.get $done) (global.get $done_len))
    (i32.const ${doneResult}))
  (func (export "proxy_on_delete") (param $ctx i32)
    (call $log (i32.const 2) (global.get $delete) (global.get $delete_len)))`,
  });
}

const lines = (host: Host) => host.logs.entries.filter((e) => e.source === 'plugin' && e.vm === host.workers[0]!.index).map((e) => e.message);

describe('root context (ref §4, §9)', () => {
  it('answers BadArgument for an unknown context id and Ok for the root (ref §4)', async () => {
    const host = await createHost({ module: rootGuest(1) });
    expect([workerSlot(host, 0), workerSlot(host, 1)]).toEqual([2, 0]);
  });

  it('calls on_done then on_delete at shutdown when on_done returns true, and ticks stop (ref §9)', async () => {
    const host = await createHost({ module: rootGuest(1) });
    host.shutdown();
    expect(lines(host)).toEqual(['done', 'delete']);
    host.advanceTime(500);
    expect(lines(host)).toEqual(['done', 'delete']);
  });

  it('answers NotFound to proxy_done while the root is not waiting for it (ref §4)', async () => {
    const host = await createHost({ module: rootGuest(0) });
    host.advanceTime(100);
    expect(workerSlot(host, 2)).toBe(1);
    expect(lines(host)).toEqual(['tick', 'tick-end']);
  });

  it('waits for proxy_done (here from a tick) before on_delete when on_done returns false (ref §9)', async () => {
    const host = await createHost({ module: rootGuest(0) });
    host.shutdown();
    expect(lines(host)).toEqual(['done']);
    host.advanceTime(100);
    expect(workerSlot(host, 2)).toBe(0);
    expect(lines(host)).toEqual(['done', 'tick', 'tick-end', 'delete']);
    host.advanceTime(500);
    expect(lines(host)).toEqual(['done', 'tick', 'tick-end', 'delete']);
  });
});
