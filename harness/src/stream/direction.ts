/**
 * One direction of an HTTP stream through the plugin (request: client → upstream, response: upstream →
 * client) as Envoy's filter manager drives a single Wasm filter (reference §2 action mapping, §9): headers
 * held by a Stop until continue (StopAll: body and trailers wait without reaching the plugin; StopIteration
 * under ABI 0_2_100: body callbacks keep arriving), body chunks buffered while the plugin asks for it
 * (sizes cumulative as in Envoy ≥1.33 or lagging one chunk as in 1.27), watermark holds, dropped chunks,
 * buffer limits, trailers, and what gets forwarded.
 */
import { BodyAction, HeadersAction, TrailersAction } from '../../../facts/proxy-wasm/enums.ts';
import { concat } from '../codec/bytes.ts';
import type { HeaderPairs } from '../codec/pairs.ts';

export interface Sink {
  sendHeaders(headers: HeaderPairs, endOfStream: boolean): void;
  sendData(chunk: Uint8Array, endOfStream: boolean): void;
  sendTrailers(trailers: HeaderPairs): void;
}

export interface DirectionHost {
  /** Calls the plugin's callback; `undefined` = the plugin did not run (failed VM, bypass). */
  invoke(callback: string, args: number[]): number | undefined;
  readonly bodySizes: 'cumulative' | 'lagging';
  /** Whether the callback that just returned asked for a local reply (its result is then forced to Stop). */
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
  /** The body the plugin sees during a body callback. */
  body: Uint8Array = EMPTY;
  state: 'waiting' | 'headers-held' | 'streaming' | 'trailers-held' | 'ended' | 'aborted' = 'waiting';
  receivedBytes = 0;
  /** Data stopped at this filter and not forwarded yet (Envoy's buffered data for this direction). */
  private held: Uint8Array = EMPTY;
  private buffering = false;
  private endHeld = false;
  private headersHold: number = HeadersAction.StopAllIterationAndWatermark;
  private inCallback = false;
  private resumeAfterCallback = false;
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private queuedEnd = false;
  private queuedTrailers?: HeaderPairs;
  private headersEnd = false;
  private endInCallback = false;
  private addedTrailers?: HeaderPairs;
  private pluginTrailers = false;

  constructor(
    readonly kind: 'request' | 'response',
    readonly host: DirectionHost,
    readonly sink: Sink,
    public limit: number,
  ) {}

  private get prefix(): string {
    return `proxy_on_${this.kind}`;
  }

  /** Headers stopped with StopIteration (0_2_100): body and trailers still reach the plugin. */
  private get heldSingle(): boolean {
    return this.state === 'headers-held' && this.headersHold === HeadersAction.StopIteration;
  }

  private get open(): boolean {
    return this.state === 'streaming' || this.heldSingle;
  }

  /** Whether body data is buffered for the plugin (last body callback returned StopIterationAndBuffer). */
  get bufferingBody(): boolean {
    return this.buffering;
  }

  get heldBody(): Uint8Array {
    return this.held;
  }

  set heldBody(data: Uint8Array) {
    this.held = data;
  }

  /**
   * Envoy `getMap` creates the trailers when the plugin touches them in the end-of-stream body callback
   * of a stream that has none (`addDecodedTrailers`); they are kept if the plugin put something in them.
   */
  trailersToAdd(): HeaderPairs | undefined {
    if (!this.inBodyCallback || !this.endInCallback || this.trailers) return undefined;
    return (this.addedTrailers ??= []);
  }

  private call(callback: string, args: number[]): number | undefined {
    this.inCallback = true;
    try {
      return this.host.invoke(callback, args);
    } finally {
      this.inCallback = false;
    }
  }

  private afterCallback(): void {
    if (!this.resumeAfterCallback) return;
    this.resumeAfterCallback = false;
    this.resume();
  }

  onHeaders(headers: HeaderPairs, endOfStream: boolean): number | undefined {
    this.headers = headers;
    this.headersEnd = endOfStream;
    this.headersAvailable = true;
    let result = this.call(`${this.prefix}_headers`, [headers.length, endOfStream ? 1 : 0]);
    if (result !== undefined) {
      if (this.host.forceStop || result > 4) result = HeadersAction.StopAllIterationAndWatermark;
      else if (result === HeadersAction.StopIteration && !this.host.headersStopIteration) result = HeadersAction.StopAllIterationAndWatermark;
      else if (result === HeadersAction.ContinueAndEndStream) result = HeadersAction.Continue;
    }
    if (this.state === 'waiting') {
      if (result === undefined || result === HeadersAction.Continue) {
        this.forwardHeaders();
      } else {
        this.state = 'headers-held';
        this.headersHold = result;
      }
    }
    this.afterCallback();
    return result;
  }

  private forwardHeaders(): void {
    this.headersAvailable = false;
    this.state = this.headersEnd ? 'ended' : 'streaming';
    this.sink.sendHeaders(this.headers!.map(([k, v]) => [k, v]), this.headersEnd);
  }

  onData(chunk: Uint8Array, endOfStream: boolean): number | undefined {
    this.receivedBytes += chunk.length;
    if (this.state === 'headers-held' && !this.heldSingle) {
      this.queued.push(chunk);
      this.queuedBytes += chunk.length;
      this.queuedEnd = endOfStream;
      if (this.headersHold === HeadersAction.StopAllIterationAndBuffer && this.queuedBytes > this.limit) this.host.overflow(this);
      return undefined;
    }
    if (!this.open) return undefined;
    return this.dispatchBody(chunk, endOfStream);
  }

  private dispatchBody(chunk: Uint8Array, endOfStream: boolean): number | undefined {
    const wasBuffering = this.buffering;
    let pending: Uint8Array | undefined;
    if (!wasBuffering) {
      this.body = chunk;
    } else if (this.host.bodySizes === 'cumulative') {
      this.body = concat(this.held, chunk);
      this.held = EMPTY;
    } else {
      this.body = this.held;
      this.held = EMPTY;
      pending = chunk;
    }
    if (wasBuffering && this.body.length + (pending?.length ?? 0) > this.limit) {
      this.held = pending ? concat(this.body, pending) : this.body;
      this.body = EMPTY;
      this.host.overflow(this);
      return undefined;
    }
    this.inBodyCallback = true;
    this.endInCallback = endOfStream;
    this.addedTrailers = undefined;
    let result = this.call(`${this.prefix}_body`, [this.body.length, endOfStream ? 1 : 0]);
    this.inBodyCallback = false;
    const added = this.addedTrailers as HeaderPairs | undefined;
    if (added && added.length > 0) {
      this.trailers = added;
      this.pluginTrailers = true;
    }
    this.addedTrailers = undefined;
    if (result !== undefined && (this.host.forceStop || result > 3)) result = BodyAction.StopIterationNoBuffer;
    if (this.open) this.applyBodyResult(result ?? BodyAction.Continue, pending, endOfStream, wasBuffering);
    else this.body = EMPTY;
    this.afterCallback();
    return result;
  }

  private applyBodyResult(result: number, pending: Uint8Array | undefined, endOfStream: boolean, wasBuffering: boolean): void {
    const visible = this.body;
    this.body = EMPTY;
    this.endHeld = endOfStream;
    if (result === BodyAction.StopIterationNoBuffer) {
      if (wasBuffering) this.held = visible;
      this.buffering = false;
      return;
    }
    const data = concat(this.held, pending ? concat(visible, pending) : visible);
    this.held = EMPTY;
    if (result === BodyAction.Continue) {
      this.buffering = false;
      this.forward(data, endOfStream);
      return;
    }
    this.held = data;
    this.buffering = result === BodyAction.StopIterationAndBuffer;
    if (this.buffering && data.length > this.limit) this.host.overflow(this);
  }

  private forward(data: Uint8Array, endOfStream: boolean): void {
    if (this.state === 'headers-held') this.forwardHeaders();
    this.endHeld = false;
    if (endOfStream) this.state = 'ended';
    if (endOfStream && this.pluginTrailers) {
      if (data.length > 0) this.sink.sendData(data, false);
      this.sink.sendTrailers(this.trailers!.map(([k, v]) => [k, v]));
      return;
    }
    if (data.length > 0 || endOfStream) this.sink.sendData(data, endOfStream);
  }

  onTrailers(trailers: HeaderPairs): number | undefined {
    if (this.state === 'headers-held' && !this.heldSingle) {
      this.queuedTrailers = trailers;
      return undefined;
    }
    if (!this.open) return undefined;
    this.trailers = trailers;
    this.trailersAvailable = true;
    let result = this.call(`${this.prefix}_trailers`, [trailers.length]);
    if (result !== undefined && (this.host.forceStop || result > 1)) result = TrailersAction.StopIteration;
    if (this.open) {
      if (result === undefined || result === TrailersAction.Continue) this.forwardTrailers();
      else if (this.state === 'streaming') this.state = 'trailers-held';
    }
    this.afterCallback();
    return result;
  }

  private forwardTrailers(): void {
    if (this.state === 'headers-held') this.forwardHeaders();
    this.trailersAvailable = false;
    this.buffering = false;
    if (this.held.length > 0) this.sink.sendData(this.held, false);
    this.held = EMPTY;
    this.endHeld = false;
    this.state = 'ended';
    this.sink.sendTrailers(this.trailers!.map(([k, v]) => [k, v]));
  }

  /** `proxy_continue_stream` for this direction: applied once the callback running now has returned. */
  requestResume(): void {
    if (this.inCallback) this.resumeAfterCallback = true;
    else this.resume();
  }

  resume(): void {
    if (this.state === 'headers-held' && this.heldSingle) {
      if (this.trailers) return this.forwardTrailers();
      this.forwardHeaders();
      this.releaseHeld();
    } else if (this.state === 'headers-held') {
      const hasMore = this.queued.length > 0 || this.queuedEnd || this.queuedTrailers !== undefined;
      this.forwardHeaders();
      if (!hasMore) return;
      const data = concat(...this.queued);
      const trailers = this.queuedTrailers;
      this.queued = [];
      this.queuedBytes = 0;
      this.queuedTrailers = undefined;
      if (data.length > 0 || this.queuedEnd) this.dispatchBody(data, this.queuedEnd && !trailers);
      if (trailers) this.onTrailers(trailers);
    } else if (this.state === 'trailers-held') {
      this.forwardTrailers();
    } else if (this.state === 'streaming') {
      this.releaseHeld();
    }
  }

  private releaseHeld(): void {
    if (this.held.length === 0 && !this.endHeld) return;
    const data = this.held;
    this.held = EMPTY;
    this.buffering = false;
    this.forward(data, this.endHeld);
  }

  abort(): void {
    this.state = 'aborted';
    this.headersAvailable = false;
    this.trailersAvailable = false;
    this.held = EMPTY;
    this.queued = [];
  }
}
