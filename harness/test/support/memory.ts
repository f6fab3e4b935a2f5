/**
 * Reading what a test guest left in its linear memory: a little-endian u32 at an address, a run of
 * them, and the numbered result slots (u32 at `SLOTS + 4 × i`) the WAT guests of these tests write to.
 */
import type { Host } from '../../src/index.ts';
import type { VmInstance } from '../../src/vm/vm.ts';

export const SLOTS = 768;

export const u32 = (vm: VmInstance, addr: number) => new DataView(vm.memory.read(addr, 4).buffer).getUint32(0, true);
export const u32s = (vm: VmInstance, from: number, count: number) => Array.from({ length: count }, (_, i) => u32(vm, from + i * 4));
export const slot = (vm: VmInstance, i: number) => u32(vm, SLOTS + 4 * i);
/** Slot `i` of worker `worker`. */
export const workerSlot = (host: Host, i: number, worker = 0) => slot(host.workers[worker]!, i);
