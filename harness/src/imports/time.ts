/**
 * Wall-clock time and per-root tick timers (reference §4, §9 "Timers"). Ticks keep coming to a root that
 * is waiting for `proxy_done` after shutdown, as Envoy's timer does until the root is deleted.
 */
import { Status } from '../../../facts/proxy-wasm/enums.ts';
import type { RootContext, VmInstance } from '../vm/vm.ts';

export function rootOf(vm: VmInstance): RootContext | undefined {
  const ctx = vm.effectiveContext();
  return ctx?.kind === 'root' ? ctx : ctx?.root;
}

function deliverTick(vm: VmInstance, root: RootContext): void {
  if (vm.failure || root.state === 'deleted') return;
  try {
    vm.callOptional('proxy_on_tick', [root.id], root.id, 0);
    vm.flushDeferred();
  } catch {
    /* the VM is marked failed and logged */
  }
}

export function timeImports(vm: VmInstance) {
  const clock = vm.core.clock;
  return {
    proxy_get_current_time_nanoseconds(ret: number): number {
      vm.memory.writeU64(ret, clock.wallNs());
      return Status.Ok;
    },
    proxy_set_tick_period_milliseconds(period: number): number {
      const root = rootOf(vm);
      if (!root) return Status.BadArgument;
      if (root.timer) clock.removeTimer(root.timer);
      root.timer = undefined;
      const ms = period >>> 0;
      if (ms === 0) return Status.Ok;
      root.timer = { periodMs: ms, nextAtMs: clock.nowMs() + ms, fire: () => deliverTick(vm, root) };
      clock.addTimer(root.timer);
      return Status.Ok;
    },
  };
}
