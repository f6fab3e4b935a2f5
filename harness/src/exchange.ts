/**
 * A whole exchange in one call: the client's request goes through the plugin, what the plugin forwards
 * goes to a real upstream on loopback (or an in-process handler), and the response comes back through
 * the plugin chunk by chunk as it arrives. Upstream failures become Envoy's own local replies.
 */
import type { StreamHost } from './stream-host.ts';
import type { HeadersInput } from './stream/inputs.ts';
import type { HttpStream } from './stream/http-stream.ts';
import type { UpstreamHandler, UpstreamRequest } from './callouts/upstream.ts';
import type { ClientRecord } from './stream/records.ts';
import { routeToUpstream, settle } from './relay.ts';

export { StreamStalled } from './relay.ts';

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

export async function runExchange(host: StreamHost, request: ExchangeRequest, options: ExchangeOptions): Promise<ExchangeResult> {
  const stream = host.newHttpStream(options.worker);
  const chunks = request.body === undefined ? [] : Array.isArray(request.body) ? request.body : [request.body];
  const hasTrailers = request.trailers !== undefined;
  stream.sendRequestHeaders(request.headers, chunks.length === 0 && !hasTrailers);
  chunks.forEach((chunk, i) => stream.sendRequestBody(chunk, i === chunks.length - 1 && !hasTrailers));
  if (hasTrailers) stream.sendRequestTrailers(request.trailers!);
  const target = options.upstream ?? host.options.clusters['upstream'];
  const { client } = stream;
  const forwarded = await routeToUpstream(host, stream, target, options.timeoutMs ?? 15000);
  await settle(host, () => client.ended || client.reset !== undefined, 'before the response reached the client');
  return { client, status: client.status, upstream: forwarded, stream };
}
