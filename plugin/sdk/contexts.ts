/**
 * The contexts a plugin extends (as in the Rust and Go SDKs): a `RootContext` per plugin instance
 * (configuration, ticks, callouts, the factory of HTTP contexts) and an `HttpContext` per stream. Every
 * hook has a no-op default; a hook may return a Promise, in which case the stream waits and continues
 * when it resolves.
 */
import { Action, BufferType, HostFn, MapType, StreamType, call, check } from './abi.ts';
import { encodeUtf8, encodePairs, type HeaderPairs } from './codec.ts';
import { HeaderMap } from './headers.ts';
import { readBuffer, replaceBuffer } from './buffers.ts';
import { dispatchCallout, type CalloutRequest, type CalloutResponse } from './callouts.ts';

export type HookResult = Action | Promise<Action>;
export type CalloutHandler = (response: CalloutResponse) => void;

export abstract class RootContext {
  id = 0;
  /** Callouts waiting for an answer: token → handler and the stream it belongs to (0 = root). */
  readonly pendingCallouts = new Map<number, { handler: CalloutHandler; streamId: number }>();

  /** `proxy_on_vm_start`: return false to fail the VM. */
  onVmStart(_vmConfiguration: string): boolean {
    return true;
  }
  /** `proxy_on_configure` with the raw plugin configuration; return false to reject it. */
  onConfigure(_configuration: string): boolean {
    return true;
  }
  onTick(): void {}
  onQueueReady(_queueId: number): void {}
  /** Return false to delay deletion until `done()` is called. */
  onDone(): boolean {
    return true;
  }
  onDelete(): void {}
  /** The context for a new stream, or undefined to let the stream pass untouched. */
  abstract createHttpContext(id: number): HttpContext | undefined;

  setTickPeriod(milliseconds: number): void {
    check('set tick period', call(HostFn.setTickPeriodMilliseconds, milliseconds));
  }

  /** Sends a callout; `handler` runs with the answer (or a failed response). */
  httpCall(request: CalloutRequest, handler: CalloutHandler, streamId = 0): number {
    const token = dispatchCallout(request);
    this.pendingCallouts.set(token, { handler, streamId });
    return token;
  }

  httpCallAsync(request: CalloutRequest, streamId = 0): Promise<CalloutResponse> {
    return new Promise((resolve, reject) => {
      try {
        this.httpCall(request, resolve, streamId);
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Completes a delayed deletion (after `onDone` returned false). */
  done(): void {
    check('done', call(HostFn.done));
  }
}

export class HttpContext<R extends RootContext = RootContext> {
  readonly requestHeaders = new HeaderMap(MapType.RequestHeaders, 'request headers');
  readonly requestTrailers = new HeaderMap(MapType.RequestTrailers, 'request trailers');
  readonly responseHeaders = new HeaderMap(MapType.ResponseHeaders, 'response headers');
  readonly responseTrailers = new HeaderMap(MapType.ResponseTrailers, 'response trailers');
  /** When a hook throws: true = let the stream pass, false = answer 500 with a JSON error (default). */
  failOpen = false;
  /** Set once this stream's context was deleted; late callbacks see it. */
  deleted = false;
  /** The direction of the last hook that ran: where a failure in a later callback resumes or answers. */
  phase: 'request' | 'response' = 'request';
  /** Chunks `bufferBody` has consumed so far, per direction. */
  readonly heldBody: { request?: { parts: ArrayBuffer[]; size: number }; response?: { parts: ArrayBuffer[]; size: number } } = {};

  constructor(
    readonly id: number,
    readonly root: R,
  ) {}

  onRequestHeaders(_numHeaders: number, _endOfStream: boolean): HookResult {
    return Action.Continue;
  }
  onRequestBody(_bodySize: number, _endOfStream: boolean): HookResult {
    return Action.Continue;
  }
  onRequestTrailers(_numTrailers: number): HookResult {
    return Action.Continue;
  }
  onResponseHeaders(_numHeaders: number, _endOfStream: boolean): HookResult {
    return Action.Continue;
  }
  onResponseBody(_bodySize: number, _endOfStream: boolean): HookResult {
    return Action.Continue;
  }
  onResponseTrailers(_numTrailers: number): HookResult {
    return Action.Continue;
  }
  onLog(): void {}
  onDone(): void {}
  onDelete(): void {}

  requestBody(start = 0, length?: number): ArrayBuffer {
    return readBuffer(BufferType.RequestBody, start, length) ?? new ArrayBuffer(0);
  }
  responseBody(start = 0, length?: number): ArrayBuffer {
    return readBuffer(BufferType.ResponseBody, start, length) ?? new ArrayBuffer(0);
  }
  /** Replaces the request body seen in the current body callback. */
  setRequestBody(data: string | ArrayBuffer): void {
    replaceBuffer(BufferType.RequestBody, data);
  }
  setResponseBody(data: string | ArrayBuffer): void {
    replaceBuffer(BufferType.ResponseBody, data);
  }

  /** Answers the client directly; Envoy sends it after the current callback returns. */
  sendLocalResponse(status: number, body: string | ArrayBuffer = '', headers: HeaderPairs = [], details = ''): void {
    const bytes = typeof body === 'string' ? encodeUtf8(body) : body;
    check('send local response', call(HostFn.sendLocalResponse, status, details, bytes, encodePairs(headers), -1));
  }

  /** Resumes a stream held by an earlier Pause (e.g. after a callout answered). */
  resumeRequest(): void {
    this.resume(StreamType.Request);
  }
  resumeResponse(): void {
    this.resume(StreamType.Response);
  }
  private resume(stream: number): void {
    check('set effective context', call(HostFn.setEffectiveContext, this.id));
    check('continue stream', call(HostFn.continueStream, stream));
  }

  /** A callout whose handler runs with this stream as the effective context. */
  httpCall(request: CalloutRequest, handler: CalloutHandler): number {
    return this.root.httpCall(request, handler, this.id);
  }
  httpCallAsync(request: CalloutRequest): Promise<CalloutResponse> {
    return this.root.httpCallAsync(request, this.id);
  }
}
