/**
 * Tick timers and the clock through real WAT guests (reference §4 proxy_set_tick_period_milliseconds /
 * proxy_get_current_time_nanoseconds, §9 "Timers"): one timer per worker root, none left on the discarded
 * canary, period 0 stopping it, the wall clock following virtual time, and real-time ticks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { VmInstance } from '../src/vm/vm.ts';
import { guest } from './support/wat.ts';
import { u32 } from './support/memory.ts';

function ticker(periodMs: number, stopAt = 0): Uint8Array {
  return guest({
    imports: ['proxy_set_tick_period_milliseconds', 'proxy_get_current_time_nanoseconds'],
    body: `
  (global $ticks (mut i32) (i32.const 0))
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (i32.store (i32.const 768) (call $proxy_set_tick_period_milliseconds (i32.const ${periodMs})))
    (drop (call $proxy_get_current_time_nanoseconds (i32.const 800)))
    (i32.const 1))
  (func (export "proxy_on_tick") (param $root i32)
    (global.set $ticks (i32.add (global.get $ticks) (i32.const 1)))
    (i32.store (i32.const 772) (global.get $ticks))
    (i32.store (i32.const 776) (local.get $root))
    (drop (call $proxy_get_current_time_nanoseconds (i32.const 808)))
    (if (i32.eq (global.get $ticks) (i32.const ${stopAt}))
      (then (i32.store (i32.const 780) (call $proxy_set_tick_period_milliseconds (i32.const 0))))))`,
  });
}

const u64 = (vm: VmInstance, at: number) => new DataView(vm.memory.read(at, 8).buffer).getBigUint64(0, true);
const ticks = (vm: VmInstance) => u32(vm, 772);

describe('tick timers (ref §9 Timers)', () => {
  it('ticks every worker root once per period and never the discarded canary (ref §9)', async () => {
    const host = await createHost({ module: ticker(100), workers: 2 });
    expect(u32(host.workers[0]!, 768)).toBe(0);
    host.advanceTime(350);
    expect(host.workers.map(ticks)).toEqual([3, 3]);
    expect(host.workers.map((vm) => u32(vm, 776))).toEqual(host.workers.map((vm) => vm.root!.id));
    expect(ticks(host.canary!)).toBe(0);
  });

  it('does not tick before the first period has passed (ref §9)', async () => {
    const host = await createHost({ module: ticker(100) });
    host.advanceTime(99);
    expect(ticks(host.workers[0]!)).toBe(0);
    host.advanceTime(1);
    expect(ticks(host.workers[0]!)).toBe(1);
  });

  it('stops ticking once the guest sets period 0 (ref §4)', async () => {
    const host = await createHost({ module: ticker(100, 2) });
    host.advanceTime(1000);
    expect(ticks(host.workers[0]!)).toBe(2);
    expect(u32(host.workers[0]!, 780)).toBe(0);
  });

  it('reads a wall clock that advances with virtual time (ref §4 proxy_get_current_time_nanoseconds)', async () => {
    const host = await createHost({ module: ticker(100) });
    const worker = host.workers[0]!;
    const atConfigure = u64(worker, 800);
    expect(Number(atConfigure / 1_000_000n)).toBeGreaterThan(Date.UTC(2020, 0, 1));
    host.advanceTime(350);
    expect(u64(worker, 808) - atConfigure).toBe(300_000_000n);
  });

  it('ticks by itself with the real clock (ref §9)', async () => {
    const host = await createHost({ module: ticker(20), clock: 'real' });
    try {
      const deadline = Date.now() + 5000;
      while (ticks(host.workers[0]!) === 0 && Date.now() < deadline) await sleep(10);
      expect(ticks(host.workers[0]!)).toBeGreaterThan(0);
    } finally {
      host.close();
    }
  });
});
