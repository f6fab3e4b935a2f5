/** Effective context, root shutdown and call status (reference §4, §9). */
import { Status } from '../../../facts/proxy-wasm/enums.ts';
import type { VmInstance } from '../vm/vm.ts';
import { rootOf } from './time.ts';

export function contextImports(vm: VmInstance) {
  return {
    proxy_set_effective_context(id: number): number {
      if (!vm.contexts.has(id >>> 0)) return Status.BadArgument;
      vm.effectiveContextId = id >>> 0;
      return Status.Ok;
    },
    proxy_done(): number {
      const root = rootOf(vm);
      if (root?.state !== 'pending-done') return Status.NotFound;
      vm.defer(() => {
        root.state = 'deleted';
        if (root.timer) vm.core.clock.removeTimer(root.timer);
        root.timer = undefined;
        vm.callOptional('proxy_on_delete', [root.id], root.id, 0);
      });
      return Status.Ok;
    },
    proxy_get_status(retCode: number, retPtr: number, retSize: number): number {
      const root = rootOf(vm);
      const status = root?.status ?? { code: 0, message: '' };
      vm.memory.check(retCode >>> 0, 4);
      const given = vm.memory.give(new TextEncoder().encode(status.message), retPtr, retSize);
      if (given === Status.Ok) vm.memory.writeU32(retCode, status.code);
      return given;
    },
  };
}
