/**
 * Envoy's router between a stream and its upstream, shared by whole exchanges and the HTTP gateway:
 * once the plugin has forwarded the whole request, it is sent (without the router's own timeout headers)
 * to a real server or an in-process handler, and the response is fed back through the plugin chunk by
 * chunk as it arrives. Upstream failures become Envoy's own local replies, or a reset once the response
 * has started.
 */
import type { StreamHost } from './stream-host.ts';
import type { HttpStream } from './stream/http-stream.ts';
import { UpstreamError, sendUpstream, type UpstreamHandler, type UpstreamRequest } from './callouts/upstream.ts';
import type { HeaderPairs } from './codec/pairs.ts';

export class StreamStalled extends Error {}

/** Waits until `done()`; throws `StreamStalled` when nothing pending in the host could make it true. */
export async function settle(host: StreamHost, done: () => boolean, what: string): Promise<void> {
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

/**
 * Call once the client's whole request has been fed to `stream`: waits for the plugin to forward it,
 * sends it to `target` and relays the response until the upstream is done. Resolves with the request as
 * the upstream got it, or undefined when the upstream was never contacted (local reply, cancel).
 */
export async function routeToUpstream(
  host: StreamHost,
  stream: HttpStream,
  target: string | UpstreamHandler | undefined,
  defaultTimeoutMs: number,
): Promise<UpstreamRequest | undefined> {
  const { upstream: sent, client } = stream;
  await settle(host, () => sent.ended || client.ended || sent.cancelled, 'before the request reached the upstream');
  if (!sent.ended || sent.cancelled || client.ended) return undefined;
  if (!target) throw new Error('exchange needs an upstream: pass { upstream } or a cluster named "upstream"');
  const routed = forwardedRequest(sent.headers!, sent.body);
  await relayResponse(host, stream, target, routed.request, routed.timeoutMs ?? defaultTimeoutMs, routed.firstByteMs ?? 0);
  return routed.request;
}

async function relayResponse(
  host: StreamHost,
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
