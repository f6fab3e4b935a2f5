/** Shared data with CAS and shared queues across all VMs of the host (reference §4). */
import { Status } from '../../../facts/proxy-wasm/enums.ts';
import type { VmInstance } from '../vm/vm.ts';
import { rootOf } from './time.ts';

function deliverQueueReady(vm: VmInstance, rootContextId: number, queueId: number): void {
  const root = vm.contexts.get(rootContextId);
  if (vm.failure || root?.kind !== 'root' || root.state === 'deleted') return;
  try {
    vm.callOptional('proxy_on_queue_ready', [rootContextId, queueId], rootContextId, 0);
    vm.flushDeferred();
  } catch {
    /* the VM is marked failed and logged */
  }
}

export function sharedImports(vm: VmInstance) {
  const { sharedData, queues, options } = vm.core;
  const mem = () => vm.memory;
  return {
    proxy_get_shared_data(kp: number, ks: number, retPtr: number, retSize: number, retCas: number): number {
      const entry = sharedData.get(mem().readString(kp, ks));
      if (!entry) return Status.NotFound;
      mem().check(retCas >>> 0, 4);
      const status = mem().give(entry.value, retPtr, retSize);
      if (status === Status.Ok) mem().writeU32(retCas, entry.cas);
      return status;
    },
    proxy_set_shared_data(kp: number, ks: number, vp: number, vs: number, cas: number): number {
      return sharedData.set(mem().readString(kp, ks), mem().read(vp, vs), cas >>> 0);
    },
    proxy_register_shared_queue(np: number, ns: number, ret: number): number {
      const name = mem().readString(np, ns);
      mem().check(ret >>> 0, 4);
      const root = rootOf(vm);
      if (!root) return Status.BadArgument;
      mem().writeU32(ret, queues.register(options.vmId, name, { rootContextId: root.id, notify: (id) => deliverQueueReady(vm, root.id, id) }));
      return Status.Ok;
    },
    proxy_resolve_shared_queue(vp: number, vs: number, np: number, ns: number, ret: number): number {
      const vmId = mem().readString(vp, vs) || options.vmId;
      const name = mem().readString(np, ns);
      mem().check(ret >>> 0, 4);
      const id = queues.resolve(vmId, name);
      if (id === undefined) return Status.NotFound;
      mem().writeU32(ret, id);
      return Status.Ok;
    },
    proxy_enqueue_shared_queue(id: number, ptr: number, size: number): number {
      const { status, owner } = queues.enqueue(id >>> 0, mem().read(ptr, size));
      if (owner) vm.core.post(() => owner.notify(id >>> 0));
      return status;
    },
    proxy_dequeue_shared_queue(id: number, retPtr: number, retSize: number): number {
      const { status, value } = queues.dequeue(id >>> 0);
      if (!value) return status;
      return mem().give(value, retPtr, retSize);
    },
  };
}
