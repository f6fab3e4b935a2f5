/**
 * One HTTP stream through one plugin VM, driven step by step like Envoy's connection manager drives a
 * Wasm filter (reference §9): lazy context creation, request and response directions, local replies that
 * run through the plugin's own response callbacks, continue/close applied after the callback, VM failure
 * answered with 503 `wasm_fail_stream` (or passed through when fail-open), and on_log → on_done → on_delete.
 */
import { BodyAction, HeadersAction, TrailersAction, nameOf } from '../../../facts/proxy-wasm/enums.ts';
import { envoyUpstreamFailure, type UpstreamFailureKind } from '../callouts/upstream.ts';
import type { BufferAccess, HeaderAccess, StreamHandle } from '../vm/stream-handle.ts';
import type { StreamFacts } from '../properties/stream-facts.ts';
import type { StreamContext, VmInstance } from '../vm/vm.ts';
import { Direction, type DirectionHost } from './direction.ts';
import { ClientRecord, UpstreamRecord } from './records.ts';
import { localReplyHeaders, type LocalReply } from './local-reply.ts';
import { addEnvoyRequestHeaders, normalizeHeaders, toBytes, type HeadersInput } from './inputs.ts';

export interface CallbackTrace {
  callback: string;
  args: number[];
  result?: number;
}

export class HttpStream implements StreamHandle {
  readonly contextId: number;
  readonly request: Direction;
  readonly response: Direction;
  readonly upstream = new UpstreamRecord();
  readonly client = new ClientRecord();
  readonly filterState = new Map<string, Uint8Array>();
  readonly trace: CallbackTrace[] = [];
  localReply?: LocalReply;
  inLogPhase = false;
  completed = false;
  /** Resolves when the stream is over: the response ended or the stream was reset (on_log has run). */
  readonly finished: Promise<void>;
  private finish!: () => void;
  /** How host functions reach each direction's body in its callback and while held (made on first use). */
  private readonly bodyAccess: Record<'request' | 'response', { callback?: BufferAccess; held?: BufferAccess }> = { request: {}, response: {} };
  private created = false;
  private bypass = false;
  private localReplyRequested = false;
  private lastCallForcedStop = false;
  private readonly startNs: bigint;
  private readonly connectionId: number;

  constructor(readonly vm: VmInstance) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.contextId = vm.allocContextId();
    this.startNs = vm.core.clock.wallNs();
    this.connectionId = vm.core.nextConnectionId();
    const limits = vm.core.options.bufferLimits;
    const stream = this;
    const host: DirectionHost = {
      invoke: (callback, args) => stream.invoke(callback, args),
      bodySizes: vm.core.options.bodySizes,
      headersStopIteration: vm.abi === '0_2_100',
      get forceStop() {
        return stream.lastCallForcedStop;
      },
      overflow: (direction) => stream.overflow(direction),
    };
    this.request = new Direction('request', host, this.upstream, limits.request);
    this.response = new Direction('response', host, this.client, limits.response);
    this.client.onEnd = () => this.complete();
  }

  private ensureContext(): void {
    if (this.created || this.bypass) return;
    this.created = true;
    const root = this.vm.root;
    if (this.vm.failure || !root) return this.failStream();
    this.vm.contexts.set(this.contextId, { kind: 'stream', id: this.contextId, root, stream: this } satisfies StreamContext);
    this.invoke('proxy_on_context_create', [root.id]);
  }

  /**
   * Calls one stream callback if the module exports it, then runs what the guest deferred (continue,
   * local reply, close) before the caller applies the result, as Envoy's after-VM-call actions do.
   */
  private invoke(callback: string, args: number[]): number | undefined {
    this.lastCallForcedStop = false;
    if (this.bypass || (this.completed && !this.inLogPhase)) return undefined;
    if (this.vm.failure) {
      this.failStream();
      return undefined;
    }
    if (!this.vm.has(callback)) return undefined;
    const fullArgs = [this.contextId, ...args];
    const entry: CallbackTrace = { callback, args: fullArgs };
    this.trace.push(entry);
    this.localReplyRequested = false;
    let result: number | undefined;
    try {
      result = this.vm.callResult(callback, fullArgs, this.contextId);
    } catch {
      this.failStream();
      return undefined;
    }
    entry.result = result;
    const forced = this.localReplyRequested;
    this.localReplyRequested = false;
    if (!this.vm.inGuestCall) this.vm.flushDeferred();
    this.lastCallForcedStop = forced;
    return result ?? 0;
  }

  private after<T>(result: T): T {
    this.vm.flushDeferred();
    return result;
  }

  private failStream(): void {
    if (this.bypass) return;
    this.bypass = true;
    if (this.vm.core.options.failOpen) return;
    if (this.client.headers) return this.reset('wasm_fail_stream');
    this.request.abort();
    this.upstream.cancelled = true;
    this.response.abort();
    this.replyDirectly({ status: 503, details: 'wasm_fail_stream', body: new Uint8Array(0), headers: [], grpcStatus: -1 });
  }

  private replyDirectly(reply: LocalReply): void {
    this.localReply = reply;
    const bodyless = reply.body.length === 0;
    this.client.sendHeaders(localReplyHeaders(reply), bodyless);
    if (!bodyless) this.client.sendData(reply.body, true);
  }

  /** Request headers from the client; Envoy's connection manager additions are applied first. */
  sendRequestHeaders(input: HeadersInput, endOfStream = false) {
    const headers = normalizeHeaders(input);
    if (this.vm.core.options.envoyRequestHeaders) addEnvoyRequestHeaders(headers);
    this.ensureContext();
    return this.after(step(HeadersAction, this.request.onHeaders(headers, endOfStream)));
  }

  sendRequestBody(chunk: Uint8Array | string, endOfStream = false) {
    return this.after(step(BodyAction, this.request.onData(toBytes(chunk), endOfStream)));
  }

  sendRequestTrailers(input: HeadersInput) {
    return this.after(step(TrailersAction, this.request.onTrailers(normalizeHeaders(input))));
  }

  sendResponseHeaders(input: HeadersInput, endOfStream = false) {
    return this.after(step(HeadersAction, this.response.onHeaders(normalizeHeaders(input), endOfStream)));
  }

  sendResponseBody(chunk: Uint8Array | string, endOfStream = false) {
    return this.after(step(BodyAction, this.response.onData(toBytes(chunk), endOfStream)));
  }

  sendResponseTrailers(input: HeadersInput) {
    return this.after(step(TrailersAction, this.response.onTrailers(normalizeHeaders(input))));
  }

  /** The client or the upstream went away: Envoy resets the stream and still logs it. */
  reset(reason = 'downstream_remote_disconnect'): void {
    if (this.completed) return;
    this.client.reset = reason;
    this.request.abort();
    this.response.abort();
    this.complete();
  }

  headerMap(type: number): HeaderAccess | undefined {
    const dir = type < 2 ? this.request : this.response;
    const isTrailers = type % 2 === 1;
    const list = isTrailers ? dir.trailers : dir.headers;
    if (this.inLogPhase) return list && { list, mutable: false };
    const available = isTrailers ? dir.trailersAvailable : dir.headersAvailable;
    if (list && available) return { list, mutable: true };
    const added = isTrailers ? dir.trailersToAdd() : undefined;
    return added && { list: added, mutable: true };
  }

  bodyBuffer(kind: 'request' | 'response'): BufferAccess {
    const dir = kind === 'request' ? this.request : this.response;
    const access = this.bodyAccess[kind];
    if (dir.inBodyCallback) return (access.callback ??= new BodyAccess(dir, false));
    if (dir.bufferingBody) return (access.held ??= new BodyAccess(dir, true));
    return NO_BODY;
  }

  setBufferLimit(kind: 'request' | 'response', bytes: number): void {
    (kind === 'request' ? this.request : this.response).limit = bytes;
  }

  sendLocalResponse(reply: LocalReply): void {
    this.localReplyRequested = true;
    this.vm.defer(() => this.applyLocalReply(reply));
  }

  /** Envoy drops its request header and trailer maps at the call (for either direction); the continue runs later. */
  continueStream(kind: 'request' | 'response'): void {
    this.request.headersAvailable = false;
    this.request.trailersAvailable = false;
    this.vm.defer(() => (kind === 'request' ? this.request : this.response).requestResume());
  }

  closeStream(_kind: 'request' | 'response'): void {
    this.vm.defer(() => this.reset('wasm_close_stream'));
  }

  /** The router's own local reply when the upstream fails before answering; it passes this plugin. */
  upstreamFailed(kind: UpstreamFailureKind): void {
    const failure = envoyUpstreamFailure(kind);
    this.after(this.applyLocalReply({ status: failure.status, details: failure.details, body: toBytes(failure.body), headers: [], grpcStatus: -1 }));
  }

  private applyLocalReply(reply: LocalReply): void {
    if (this.completed) return;
    this.localReply = reply;
    if (this.client.headers) return this.reset('local_reply_after_response_started');
    this.request.abort();
    this.upstream.cancelled = true;
    const bodyless = reply.body.length === 0;
    if (this.response.headers) {
      this.response.abort();
      return this.replyDirectly(reply);
    }
    const headers = localReplyHeaders(reply);
    this.response.onHeaders(headers, bodyless);
    if (!bodyless) this.response.onData(reply.body, true);
  }

  private overflow(direction: Direction): void {
    if (direction.kind === 'request') {
      this.applyLocalReply({ status: 413, details: 'request_payload_too_large', body: toBytes('Payload Too Large'), headers: [], grpcStatus: -1 });
    } else if (!this.client.headers) {
      this.response.abort();
      this.replyDirectly({ status: 500, details: 'response_payload_too_large', body: toBytes('Internal Server Error'), headers: [], grpcStatus: -1 });
    } else {
      this.reset('response_payload_too_large');
    }
  }

  private complete(): void {
    if (this.completed) return;
    this.completed = true;
    if (this.created && !this.bypass && !this.vm.failure) {
      this.inLogPhase = true;
      for (const callback of ['proxy_on_log', 'proxy_on_done', 'proxy_on_delete']) this.invoke(callback, []);
      this.inLogPhase = false;
      this.vm.contexts.delete(this.contextId);
    }
    this.finish();
  }

  facts(): StreamFacts {
    return {
      requestHeaders: this.request.headers,
      responseHeaders: this.response.headers ?? this.client.headers,
      responseTrailers: this.response.trailers,
      requestBodyBytes: this.request.receivedBytes,
      responseBodyBytes: this.response.receivedBytes,
      startTimeNs: this.startNs,
      nowNs: this.vm.core.clock.wallNs(),
      responseCode: this.client.status ?? (this.response.headers ? Number(this.response.headers.find(([k]) => k === ':status')?.[1]) : undefined),
      responseCodeDetails: this.localReply?.details ?? (this.response.headers || this.client.headers ? 'via_upstream' : undefined),
      responseFlags: 0,
      connectionId: this.connectionId,
      source: { address: '127.0.0.1', port: 40000 + (this.connectionId % 20000) },
      destination: { address: '127.0.0.1', port: 8080 },
      protocol: 'HTTP/1.1',
    };
  }
}

const NO_BODY: BufferAccess = { read: () => new Uint8Array(0) };

/**
 * A direction's body: the one of the current body callback, or (`held`) the one a paused direction holds
 * outside it. A class, so that a stream's body access makes no closures.
 */
class BodyAccess implements BufferAccess {
  constructor(
    private readonly dir: Direction,
    private readonly held: boolean,
  ) {}
  read(): Uint8Array {
    return this.held ? this.dir.heldBody : this.dir.body;
  }
  write(data: Uint8Array): void {
    if (this.held) this.dir.heldBody = data;
    else this.dir.body = data;
  }
}

export interface StepResult {
  /** The action as Envoy applies it (after its mapping), or undefined when the plugin was not called. */
  action?: string;
  raw?: number;
}

function step(table: Record<string, number>, result: number | undefined): StepResult {
  return result === undefined ? {} : { action: nameOf(table, result), raw: result };
}
