/**
 * The contexts a plugin extends (as in the Rust and Go SDKs): a `RootContext` per plugin instance
 * (configuration, ticks, callouts, the factory of HTTP contexts, what a stream gets when a hook throws)
 * and an `HttpContext` per stream (its header maps and bodies by name, local replies, continue and
 * close). Every hook has a no-op default; a hook may return a Promise, in which case the stream waits
 * and continues when it resolves. The dispatcher keeps its own bookkeeping; nothing here is its state.
 */
import * as host from './host-calls.ts';
import { Action, StreamType, check } from './abi.ts';
import { encodeUtf8, encodePairs, type HeaderPairs } from './codec.ts';
import { HeaderMap } from './headers.ts';
import { BodyBuffer } from './buffers.ts';
import { awaitCallout, type CalloutHandler } from './callout-registry.ts';
import { dispatchCallout, type CalloutRequest, type CalloutResponse } from './callouts.ts';

export type HookResult = Action | Promise<Action>;
export type { CalloutHandler };

/** A reply the plugin sends instead of letting the stream go on. */
export interface LocalReply {
  status: number;
  body?: string | ArrayBuffer;
  headers?: HeaderPairs;
  /** Envoy's response code details (`%RESPONSE_CODE_DETAILS%`). */
  details?: string;
}

/** What `onHookError` answers by default: a neutral JSON error, status 500. */
export const HOOK_ERROR_REPLY: LocalReply = {
  status: 500,
  body: JSON.stringify({ error: { code: 'plugin_exception', message: 'the gateway plugin failed while handling this request' } }),
  headers: [['content-type', 'application/json']],
  details: 'wasm_plugin_exception',
};

export abstract class RootContext {
  id = 0;

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

  /**
   * What a stream gets when one of its hooks (or callout handlers) throws, after the error was logged
   * with its stack: a local reply (default `HOOK_ERROR_REPLY`), or `'continue'` to let it pass
   * unchanged. A context with `failOpen` set continues without asking.
   */
  onHookError(_error: unknown, _ctx: HttpContext): LocalReply | 'continue' {
    return HOOK_ERROR_REPLY;
  }

  setTickPeriod(milliseconds: number): void {
    check('set tick period', host.setTickPeriodMilliseconds(milliseconds));
  }

  /** Sends a callout; `handler` runs with the answer (or a failed response). */
  httpCall(request: CalloutRequest, handler: CalloutHandler, streamId = 0): number {
    const token = dispatchCallout(request);
    awaitCallout(token, handler, streamId);
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
    check('done', host.done());
  }
}

/** The maps and bodies name what Envoy holds for the current callback, not a stream: one set serves every context. */
const REQUEST_HEADERS = new HeaderMap('request headers');
const REQUEST_TRAILERS = new HeaderMap('request trailers');
const RESPONSE_HEADERS = new HeaderMap('response headers');
const RESPONSE_TRAILERS = new HeaderMap('response trailers');
const REQUEST = { headers: REQUEST_HEADERS, trailers: REQUEST_TRAILERS, body: new BodyBuffer('request body') } as const;
const RESPONSE = { headers: RESPONSE_HEADERS, trailers: RESPONSE_TRAILERS, body: new BodyBuffer('response body') } as const;

export class HttpContext<R extends RootContext = RootContext> {
  readonly requestHeaders = REQUEST_HEADERS;
  readonly requestTrailers = REQUEST_TRAILERS;
  readonly responseHeaders = RESPONSE_HEADERS;
  readonly responseTrailers = RESPONSE_TRAILERS;
  /** The bodies as Envoy shows them in the running body callback: read, replace, append, prepend. */
  readonly request = REQUEST;
  readonly response = RESPONSE;
  /** When a hook throws: true = let the stream pass, false = answer what the root's `onHookError` says (default). */
  failOpen = false;

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

  /** Answers the client directly; Envoy sends it after the current callback returns. */
  sendLocalResponse(status: number, body: string | ArrayBuffer = '', headers: HeaderPairs = [], details = ''): void {
    const bytes = typeof body === 'string' ? encodeUtf8(body) : body;
    check('send local response', host.sendLocalResponse(status, details, bytes, encodePairs(headers), -1));
  }

  /** Sends `reply` as the local response. */
  reply(reply: LocalReply): void {
    this.sendLocalResponse(reply.status, reply.body, reply.headers, reply.details);
  }

  /** Resumes a stream held by an earlier Pause (e.g. after a callout answered). */
  resumeRequest(): void {
    this.resume(StreamType.Request);
  }
  resumeResponse(): void {
    this.resume(StreamType.Response);
  }
  private resume(stream: number): void {
    check('set effective context', host.setEffectiveContext(this.id));
    check('continue stream', host.continueStream(stream));
  }

  /** Resets the stream (Envoy `proxy_close_stream`): the client and upstream connections of it are closed after the callback. */
  closeStream(direction: 'request' | 'response' = 'request'): void {
    check('set effective context', host.setEffectiveContext(this.id));
    check('close stream', host.closeStream(direction === 'request' ? StreamType.Request : StreamType.Response));
  }

  /** A callout whose handler runs with this stream as the effective context. */
  httpCall(request: CalloutRequest, handler: CalloutHandler): number {
    return this.root.httpCall(request, handler, this.id);
  }
  httpCallAsync(request: CalloutRequest): Promise<CalloutResponse> {
    return this.root.httpCallAsync(request, this.id);
  }
}
