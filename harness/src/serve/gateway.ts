/**
 * A real HTTP/1.1 gateway in front of a harness host, for trying a plugin with curl or any client: each
 * incoming request becomes one stream, fed headers and body chunks as they arrive; what the plugin
 * forwards goes to one upstream with the router's semantics (`relay.ts`); the response is written to the
 * socket as the plugin lets it through — status and headers at once, each chunk immediately — so SSE
 * reaches the client incrementally. A reset stream resets the connection; a client that goes away
 * resets the stream. A request is finished when its response has ended or the client went away,
 * whichever comes first: a plugin that answers (e.g. 413) while the client is still uploading finishes
 * the request at once; the rest of the upload is read and dropped for up to Envoy's
 * `delayed_close_timeout` (1 s) so the client can read the answer, then the connection is closed.
 * Works for any plugin; give it a host created with `clock: 'real'`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamHost } from '../stream-host.ts';
import type { UpstreamHandler } from '../callouts/upstream.ts';
import type { HeaderPairs } from '../codec/pairs.ts';
import type { HttpStream } from '../stream/http-stream.ts';
import { routeToUpstream, settle } from '../relay.ts';

export interface GatewayOptions {
  host: StreamHost;
  /** Where every forwarded request goes: a base URL (`http:` or `https:`) or an in-process handler. */
  upstream: string | UpstreamHandler;
  /** Default 0: a free port, see `port` of the result. */
  port?: number;
  /** Default `127.0.0.1`. */
  listenHost?: string;
  /** Route timeout when the plugin sets none (`x-envoy-upstream-rq-timeout-ms`); default 15 s as in Envoy. */
  timeoutMs?: number;
  /** Called once per request after the client got its answer or the connection was reset. */
  onStreamDone?(done: { method: string; path: string; stream: HttpStream; error?: unknown }): void;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Connection-specific headers, which Envoy's codecs consume instead of passing to filters or peers (and `expect`, answered by Envoy itself). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect']);

function requestHeaders(req: http.IncomingMessage): HeaderPairs {
  const headers: HeaderPairs = [
    [':method', req.method ?? 'GET'],
    [':path', req.url ?? '/'],
    [':authority', req.headers.host ?? ''],
    [':scheme', 'http'],
  ];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name !== 'host' && !HOP_BY_HOP.has(name)) headers.push([name, req.rawHeaders[i + 1]!]);
  }
  return headers;
}

function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const open = (res: http.ServerResponse) => !res.destroyed && !res.writableEnded;

/** Envoy's default `delayed_close_timeout`: how long an unread upload is drained after an early answer. */
const DELAYED_CLOSE_MS = 1000;

/** Writes what reaches the stream's client record to `res` the moment it arrives. */
function streamToSocket(stream: HttpStream, res: http.ServerResponse): void {
  const client = stream.client;
  const sendHeaders = client.sendHeaders.bind(client);
  client.sendHeaders = (headers, endOfStream) => {
    if (open(res) && !res.headersSent) {
      const status = Number(headers.find(([k]) => k === ':status')?.[1] ?? 502);
      const flat = headers.filter(([k]) => !k.startsWith(':') && !HOP_BY_HOP.has(k)).flat();
      res.writeHead(status, flat);
      res.flushHeaders();
    }
    sendHeaders(headers, endOfStream);
  };
  client.onData = (chunk) => {
    if (chunk.length > 0 && open(res)) res.write(chunk);
  };
  const complete = client.onEnd;
  client.onEnd = () => {
    if (open(res)) {
      if (client.trailers) res.addTrailers(client.trailers);
      res.end();
    }
    complete?.();
  };
}

async function serveOne(options: GatewayOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { host } = options;
  const stream = host.newHttpStream();
  const client = stream.client;
  streamToSocket(stream, res);
  const gone = new Promise<void>((resolve) =>
    res.on('close', () => {
      if (!res.writableFinished) stream.reset('downstream_remote_disconnect');
      resolve();
    }),
  );
  let failure: unknown;
  try {
    const withBody = hasBody(req);
    const received = new Promise<'received'>((resolve, reject) => req.on('end', () => resolve('received')).on('error', reject));
    stream.sendRequestHeaders(requestHeaders(req), !withBody);
    req.on('data', (chunk: Buffer) => withBody && !stream.completed && stream.sendRequestBody(new Uint8Array(chunk), false));
    const first = await Promise.race([received, stream.finished, gone]);
    if (first !== 'received') return finish(options, req, res, stream);
    if (withBody && req.rawTrailers.length > 0) {
      const trailers: HeaderPairs = [];
      for (let i = 0; i + 1 < req.rawTrailers.length; i += 2) trailers.push([req.rawTrailers[i]!.toLowerCase(), req.rawTrailers[i + 1]!]);
      stream.sendRequestTrailers(trailers);
    } else if (withBody) {
      stream.sendRequestBody(new Uint8Array(0), true);
    }
    await routeToUpstream(host, stream, options.upstream, options.timeoutMs ?? 15000);
    await settle(host, () => client.ended || client.reset !== undefined, 'before the response reached the client');
  } catch (error) {
    failure = error;
    stream.reset('gateway_error');
  }
  finish(options, req, res, stream, failure);
}

function finish(options: GatewayOptions, req: http.IncomingMessage, res: http.ServerResponse, stream: HttpStream, error?: unknown): void {
  if (!stream.client.ended || stream.client.reset !== undefined) res.destroy();
  else if (!req.complete) closeAfterDrain(req);
  options.onStreamDone?.({ method: req.method ?? '', path: req.url ?? '', stream, error });
}

/** Drops what is left of an upload; closes the connection if it has not ended within the delay. */
function closeAfterDrain(req: http.IncomingMessage): void {
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), DELAYED_CLOSE_MS);
  timer.unref();
  req.on('end', () => clearTimeout(timer));
  req.socket.on('close', () => clearTimeout(timer));
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const server = http.createServer({ noDelay: true }, (req, res) => void serveOne(options, req, res));
  const listenHost = options.listenHost ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
