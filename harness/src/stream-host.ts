/**
 * What whole exchanges, the router relay and the gateway need of a host: the state its VMs share, new
 * streams on its workers, and waiting for its asynchronous work. `Host` implements it; they take it.
 */
import type { HttpStream } from './stream/http-stream.ts';
import type { HostCore } from './vm/host-core.ts';

export interface StreamHost extends HostCore {
  newHttpStream(worker?: number): HttpStream;
  /** Whether callouts, queue events or other posted work are outstanding. */
  readonly busy: boolean;
  idle(): Promise<void>;
}
