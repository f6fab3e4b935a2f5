/**
 * Envoy's shared queues (reference §4): named per vm_id, registered by a root context that then receives
 * `proxy_on_queue_ready` for every enqueue, readable from any VM that resolves the name.
 */
import { Status, type StatusCode } from '../../../facts/proxy-wasm/enums.ts';

/** The root context that registered a queue: `notify` delivers its `proxy_on_queue_ready`. */
export interface QueueOwner {
  rootContextId: number;
  notify(queueId: number): void;
}

interface Queue {
  id: number;
  vmId: string;
  name: string;
  owner: QueueOwner;
  items: Uint8Array[];
}

export class SharedQueues {
  private readonly byId = new Map<number, Queue>();
  private readonly byName = new Map<string, Queue>();
  private nextId = 1;

  register(vmId: string, name: string, owner: QueueOwner): number {
    const key = `${vmId}\0${name}`;
    const existing = this.byName.get(key);
    if (existing) {
      existing.owner = owner;
      return existing.id;
    }
    const queue: Queue = { id: this.nextId++, vmId, name, owner, items: [] };
    this.byId.set(queue.id, queue);
    this.byName.set(key, queue);
    return queue.id;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.byName.get(`${vmId}\0${name}`)?.id;
  }

  enqueue(id: number, value: Uint8Array): { status: StatusCode; owner?: QueueOwner } {
    const queue = this.byId.get(id);
    if (!queue) return { status: Status.NotFound };
    queue.items.push(value.slice());
    return { status: Status.Ok, owner: queue.owner };
  }

  dequeue(id: number): { status: StatusCode; value?: Uint8Array } {
    const queue = this.byId.get(id);
    if (!queue) return { status: Status.NotFound };
    const value = queue.items.shift();
    return value ? { status: Status.Ok, value } : { status: Status.Empty };
  }

  size(id: number): number {
    return this.byId.get(id)?.items.length ?? 0;
  }
}
