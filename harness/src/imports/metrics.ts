/** Plugin-defined stats (reference §4): define, increment, record, read; ids are per VM instance. */
import type { VmInstance } from '../vm/vm.ts';

export function metricImports(vm: VmInstance) {
  const metrics = vm.core.metrics;
  return {
    proxy_define_metric(type: number, namePtr: number, nameSize: number, ret: number): number {
      const name = vm.memory.readString(namePtr, nameSize);
      vm.memory.check(ret >>> 0, 4);
      const { status, id } = metrics.define(vm.index, type >>> 0, name);
      if (id !== undefined) vm.memory.writeU32(ret, id);
      return status;
    },
    proxy_increment_metric(id: number, delta: bigint): number {
      return metrics.increment(vm.index, id >>> 0, delta);
    },
    proxy_record_metric(id: number, value: bigint): number {
      return metrics.record(vm.index, id >>> 0, BigInt.asUintN(64, value));
    },
    proxy_get_metric(id: number, ret: number): number {
      vm.memory.check(ret >>> 0, 8);
      const { status, value } = metrics.get(vm.index, id >>> 0);
      if (value !== undefined) vm.memory.writeU64(ret, value);
      return status;
    },
  };
}
