/**
 * What a VM's host functions may do with the HTTP stream of a stream context, so that the VM layer knows
 * streams only through this interface (the stream layer implements it): the header maps and body buffers
 * available now, the filter state, buffer limits, local replies, continue and close, and the facts
 * Envoy's attributes are read from.
 */
import type { HeaderPairs } from '../codec/pairs.ts';
import type { StreamFacts } from '../properties/stream-facts.ts';

export interface HeaderAccess {
  list: HeaderPairs;
  mutable: boolean;
}

export interface BufferAccess {
  read(): Uint8Array;
  write?(data: Uint8Array): void;
}

/** A local reply as `proxy_send_local_response` describes it. */
export interface LocalReply {
  status: number;
  details: string;
  body: Uint8Array;
  headers: HeaderPairs;
  grpcStatus: number;
}

export type StreamDirection = 'request' | 'response';

export interface StreamHandle {
  /** On the stream's `on_log`/`on_done`/`on_delete`: maps are the read-only access-log copies. */
  readonly inLogPhase: boolean;
  readonly filterState: Map<string, Uint8Array>;
  /** The map of `type` (0–3) as Envoy's `getMap` would give it now, or undefined when absent. */
  headerMap(type: number): HeaderAccess | undefined;
  bodyBuffer(direction: StreamDirection): BufferAccess;
  setBufferLimit(direction: StreamDirection, bytes: number): void;
  sendLocalResponse(reply: LocalReply): void;
  continueStream(direction: StreamDirection): void;
  closeStream(direction: StreamDirection): void;
  facts(): StreamFacts;
}
