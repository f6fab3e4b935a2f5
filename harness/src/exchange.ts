/**
 * A whole exchange in one call: the client's request goes through the plugin, what the plugin forwards
 * goes to a real upstream on loopback (or an in-process handler), and the response comes back through
 * the plugin chunk by chunk as it arrives. Upstream failures become Envoy's own local replies.
 */
import type { Host } from './host.ts';
import type { HeadersInput } from './stream/http-stream.ts';
import type { HttpStream } from './stream/http-stream.ts';
import { UpstreamError, sendUpstream, type HeaderPairs, type UpstreamHandler, type UpstreamRequest } from './callouts/upstream.ts';
import type { ClientRecord } from './stream/records.ts';

export interface ExchangeRequest {
  headers: HeadersInput;
  /** The body in one piece, or the chunks in which the client sends it. */
  body?: string | Uint8Array | Array<string | Uint8Array>;
  trailers?: HeadersInput;
}

export interface ExchangeOptions {
  /** Where forwarded requests go: a URL on loopback or an in-process handler (default: host `upstream` cluster). */
  upstream?: string | UpstreamHandler;
  worker?: number;
  /** Envoy's route timeout (default 15 s): no upstream answer in time ⇒ 504. */
  timeoutMs?: number;
}

export interface ExchangeResult {
  /** What the client received. */
  client: ClientRecord;
  status?: number;
  /** The request as it reached the upstream, or undefined when the upstream was never contacted. */
  upstream?: UpstreamRequest;
  stream: HttpStream;
}

export class StreamStalled extends Error {}

async function settle(host: Host, done: () => boolean, what: string): Promise<void> {
  for (;;) {
    if (done()) return;
    if (!host.busy) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done()) return;
      if (!host.busy) throw new StreamStalled(`stream stalled ${what}: the plugin paused and nothing pending will continue it`);
    }
    await host.idle();
  }
}

const ROUTER_TIMEOUT = 'x-envoy-upstream-rq-timeout-ms';
const FIRST_BYTE_TIMEOUT = 'x-envoy-upstream-rq-first-byte-timeout-ms';

/** The request as Envoy's router sends it: its own timeout headers are consumed, not forwarded. */
function forwardedRequest(all: HeaderPairs, body: Uint8Array): { request: UpstreamRequest; timeoutMs?: number; firstByteMs?: number } {
  const get = (name: string) => all.find(([k]) => k === name)?.[1];
  const number = (name: string) => (get(name) === undefined ? undefined : Number(get(name)));
  const headers = all.filter(([k]) => k !== ROUTER_TIMEOUT && k !== FIRST_BYTE_TIMEOUT);
  const request = { method: get(':method') ?? '', path: get(':path') ?? '', authority: get(':authority') ?? '', headers, body };
  return { request, timeoutMs: number(ROUTER_TIMEOUT), firstByteMs: number(FIRST_BYTE_TIMEOUT) };
}

function contentLengthMismatch(request: UpstreamRequest): string | undefined {
  const declared = request.headers.find(([k]) => k === 'content-length')?.[1];
  if (declared === undefined || Number(declared) === request.body.length) return undefined;
  return `content-length ${declared} but ${request.body.length} body bytes were forwarded`;
}

export async function runExchange(host: Host, request: ExchangeRequest, options: ExchangeOptions): Promise<ExchangeResult> {
  const stream = host.newHttpStream(options.worker);
  const chunks = request.body === undefined ? [] : Array.isArray(request.body) ? request.body : [request.body];
  const hasTrailers = request.trailers !== undefined;
  stream.sendRequestHeaders(request.headers, chunks.length === 0 && !hasTrailers);
  chunks.forEach((chunk, i) => stream.sendRequestBody(chunk, i === chunks.length - 1 && !hasTrailers));
  if (hasTrailers) stream.sendRequestTrailers(request.trailers!);
  const { upstream: sent, client } = stream;
  await settle(host, () => sent.ended || client.ended || sent.cancelled, 'before the request reached the upstream');
  let forwarded: UpstreamRequest | undefined;
  if (sent.ended && !sent.cancelled && !client.ended) {
    const routed = forwardedRequest(sent.headers!, sent.body);
    forwarded = routed.request;
    const target = options.upstream ?? host.options.clusters['upstream'];
    if (!target) throw new Error('exchange needs an upstream: pass { upstream } or a cluster named "upstream"');
    await relayResponse(host, stream, target, forwarded, routed.timeoutMs ?? options.timeoutMs ?? 15000, routed.firstByteMs ?? 0);
  }
  await settle(host, () => client.ended || client.reset !== undefined, 'before the response reached the client');
  return { client, status: client.status, upstream: forwarded, stream };
}

async function relayResponse(
  host: Host,
  stream: HttpStream,
  target: string | UpstreamHandler,
  request: UpstreamRequest,
  timeoutMs: number,
  firstByteMs: number,
) {
  const mismatch = contentLengthMismatch(request);
  if (mismatch) {
    host.logs.add({ level: 'error', message: `upstream request is malformed: ${mismatch}`, source: 'host', vm: stream.vm.index });
    stream.upstreamFailed('reset');
    return;
  }
  let expected: number | undefined;
  let received = 0;
  let headersSent = false;
  let ended = false;
  try {
    const response = await sendUpstream(target, request, timeoutMs, {
      onHeaders(status, headers, contentLength) {
        headersSent = true;
        expected = contentLength;
        ended = contentLength === 0;
        stream.sendResponseHeaders([[':status', String(status)], ...headers], ended);
      },
      onChunk(chunk) {
        received += chunk.length;
        const last = expected !== undefined && received >= expected;
        ended ||= last;
        stream.sendResponseBody(chunk, last);
      },
    }, firstByteMs);
    if (!ended) {
      if (response.trailers.length > 0) stream.sendResponseTrailers(response.trailers);
      else stream.sendResponseBody(new Uint8Array(0), true);
    }
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    const kind = error.kind;
    if (headersSent) stream.reset(`upstream_${kind}`);
    else stream.upstreamFailed(kind);
  }
}
