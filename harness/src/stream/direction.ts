/**
 * One direction of an HTTP stream through the plugin (request: client → upstream, response: upstream →
 * client) as Envoy's filter manager drives a single Wasm filter (reference §2 action mapping, §9): headers
 * held by a Stop until continue, body chunks buffered while the plugin asks for it (sizes cumulative as in
 * Envoy ≥1.33 or lagging one chunk as in 1.27), buffer limits, trailers, and what gets forwarded.
 */
import { BodyAction, HeadersAction, TrailersAction } from '../abi/enums.ts';
import { concat } from '../imports/buffers.ts';
import type { HeaderPairs } from '../callouts/upstream.ts';

export interface Sink {
  sendHeaders(headers: HeaderPairs, endOfStream: boolean): void;
  sendData(chunk: Uint8Array, endOfStream: boolean): void;
  sendTrailers(trailers: HeaderPairs): void;
}

export interface DirectionHost {
  /** Calls the plugin's callback; `undefined` = the plugin did not run (failed VM, bypass). */
  invoke(callback: string, args: number[]): number | undefined;
  readonly bodySizes: 'cumulative' | 'lagging';
  readonly forceStop: boolean;
  readonly headersStopIteration: boolean;
  overflow(direction: Direction): void;
}

const EMPTY = new Uint8Array(0);

export class Direction {
  headers?: HeaderPairs;
  trailers?: HeaderPairs;
  headersAvailable = false;
  trailersAvailable = false;
  inBodyCallback = false;
  body: Uint8Array = EMPTY;
  state: 'waiting' | 'headers-held' | 'streaming' | 'trailers-held' | 'ended' | 'aborted' = 'waiting';
  receivedBytes = 0;
  private buffering = false;
  private endHeld = false;
  private queued: Uint8Array[] = [];
  private queuedEnd = false;
  private queuedTrailers?: HeaderPairs;
  private headersEnd = false;

  constructor(
    readonly kind: 'request' | 'response',
    readonly host: DirectionHost,
    readonly sink: Sink,
    public limit: number,
  ) {}

  private get prefix(): string {
    return `proxy_on_${this.kind}`;
  }

  onHeaders(headers: HeaderPairs, endOfStream: boolean): number | undefined {
    this.headers = headers;
    this.headersEnd = endOfStream;
    this.headersAvailable = true;
    let result = this.host.invoke(`${this.prefix}_headers`, [headers.length, endOfStream ? 1 : 0]);
    if (result !== undefined) {
      if (result > 4) result = 4;
      if (result === HeadersAction.StopIteration && !this.host.headersStopIteration) result = 4;
      if (this.host.forceStop) result = HeadersAction.StopAllIterationAndWatermark;
    }
    if (this.state !== 'waiting') return result;
    if (result === undefined || result === HeadersAction.Continue || result === HeadersAction.ContinueAndEndStream) {
      this.forwardHeaders();
    } else {
      this.state = 'headers-held';
    }
    return result;
  }

  private forwardHeaders(): void {
    this.headersAvailable = false;
    this.state = this.headersEnd ? 'ended' : 'streaming';
    this.sink.sendHeaders(this.headers!.map(([k, v]) => [k, v]), this.headersEnd);
  }

  onData(chunk: Uint8Array, endOfStream: boolean): number | undefined {
    this.receivedBytes += chunk.length;
    if (this.state === 'headers-held') {
      this.queued.push(chunk);
      this.queuedEnd = endOfStream;
      return undefined;
    }
    if (this.state !== 'streaming') return undefined;
    return this.dispatchBody(chunk, endOfStream);
  }

  private dispatchBody(chunk: Uint8Array, endOfStream: boolean): number | undefined {
    let pending: Uint8Array | undefined;
    if (!this.buffering) this.body = chunk;
    else if (this.host.bodySizes === 'cumulative') this.body = concat(this.body, chunk);
    else pending = chunk;
    if (this.buffering && this.body.length + (pending?.length ?? 0) > this.limit) {
      this.host.overflow(this);
      return undefined;
    }
    this.inBodyCallback = true;
    let result = this.host.invoke(`${this.prefix}_body`, [this.body.length, endOfStream ? 1 : 0]);
    this.inBodyCallback = false;
    if (pending) this.body = concat(this.body, pending);
    if (result !== undefined && result > 3) result = 3;
    if (result !== undefined && this.host.forceStop) result = BodyAction.StopIterationNoBuffer;
    if (this.state !== 'streaming') return result;
    if (result === undefined || result === BodyAction.Continue) {
      this.buffering = false;
      this.forwardBody(endOfStream);
    } else if (result === BodyAction.StopIterationNoBuffer) {
      this.buffering = false;
      this.body = EMPTY;
      this.endHeld = endOfStream;
    } else {
      this.buffering = true;
      this.endHeld = endOfStream;
      if (this.body.length > this.limit) this.host.overflow(this);
    }
    return result;
  }

  private forwardBody(endOfStream: boolean): void {
    const data = this.body;
    this.body = EMPTY;
    this.endHeld = false;
    if (endOfStream) this.state = 'ended';
    if (data.length > 0 || endOfStream) this.sink.sendData(data, endOfStream);
  }

  onTrailers(trailers: HeaderPairs): number | undefined {
    if (this.state === 'headers-held') {
      this.queuedTrailers = trailers;
      return undefined;
    }
    if (this.state !== 'streaming') return undefined;
    this.trailers = trailers;
    this.trailersAvailable = true;
    let result = this.host.invoke(`${this.prefix}_trailers`, [trailers.length]);
    if (result !== undefined && result > 1) result = 1;
    if (result !== undefined && this.host.forceStop) result = TrailersAction.StopIteration;
    if (this.state !== 'streaming') return result;
    if (result === undefined || result === TrailersAction.Continue) this.forwardTrailers();
    else this.state = 'trailers-held';
    return result;
  }

  private forwardTrailers(): void {
    this.trailersAvailable = false;
    this.buffering = false;
    if (this.body.length > 0) this.sink.sendData(this.body, false);
    this.body = EMPTY;
    this.state = 'ended';
    this.sink.sendTrailers(this.trailers!.map(([k, v]) => [k, v]));
  }

  /** `proxy_continue_stream` for this direction, applied after the callback that asked for it. */
  resume(): void {
    if (this.state === 'headers-held') {
      const hasMore = this.queued.length > 0 || this.queuedEnd || this.queuedTrailers !== undefined;
      this.forwardHeaders();
      if (!hasMore) return;
      const data = concat(...this.queued);
      const trailers = this.queuedTrailers;
      this.queued = [];
      this.queuedTrailers = undefined;
      if (data.length > 0 || this.queuedEnd) this.dispatchBody(data, this.queuedEnd && !trailers);
      if (trailers) this.onTrailers(trailers);
    } else if (this.state === 'trailers-held') {
      this.forwardTrailers();
    } else if (this.state === 'streaming' && (this.buffering || this.endHeld)) {
      this.buffering = false;
      this.forwardBody(this.endHeld);
    }
  }

  abort(): void {
    this.state = 'aborted';
    this.headersAvailable = false;
    this.trailersAvailable = false;
  }
}
