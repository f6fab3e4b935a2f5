/** Shared data (with CAS) and shared queues, visible to every VM of the plugin on this Envoy. */
import * as host from './host-calls.ts';
import { Status, check, raise } from './abi.ts';
import { encodeUtf8 } from './codec.ts';

export interface SharedValue {
  value: ArrayBuffer;
  cas: number;
}

export const sharedData = {
  get(key: string): SharedValue | undefined {
    const value = host.getSharedData(key);
    if (typeof value === 'number') {
      if (value === Status.NotFound) return undefined;
      if (value !== Status.Ok) raise(`get shared data "${key}"`, value);
    }
    return { value: value as ArrayBuffer, cas: host.lastU32() as number };
  },
  /** Writes `value`; with a `cas` from `get`, returns false when another VM changed it meanwhile. */
  set(key: string, value: string | ArrayBuffer, cas = 0): boolean {
    const status = host.setSharedData(key, typeof value === 'string' ? encodeUtf8(value) : value, cas);
    if (status === Status.CasMismatch) return false;
    if (status !== Status.Ok) raise(`set shared data "${key}"`, status);
    return true;
  },
};

function id(name: string, result: unknown): number {
  const value = result as number;
  if (value < 0) check(name, -value);
  return value;
}

export const sharedQueue = {
  register: (name: string): number => id(`register shared queue "${name}"`, host.registerSharedQueue(name)),
  resolve(name: string, vmId = ''): number | undefined {
    const value = host.resolveSharedQueue(vmId, name) as number;
    if (value === -Status.NotFound) return undefined;
    return id(`resolve shared queue "${name}"`, value);
  },
  enqueue(queue: number, value: string | ArrayBuffer): void {
    const status = host.enqueueSharedQueue(queue, typeof value === 'string' ? encodeUtf8(value) : value);
    if (status !== Status.Ok) raise(`enqueue on queue ${queue}`, status);
  },
  dequeue(queue: number): ArrayBuffer | undefined {
    const value = host.dequeueSharedQueue(queue);
    if (value === Status.Empty) return undefined;
    if (typeof value === 'number' && value !== Status.Ok) raise(`dequeue from queue ${queue}`, value);
    return value as ArrayBuffer;
  },
};
