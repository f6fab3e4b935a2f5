/**
 * Sends one HTTP request to an upstream (a real server on loopback, or an in-process handler) and
 * reports the response as it arrives: headers, each body chunk as read, trailers. Used by
 * `proxy_http_call` and by whole exchanges.
 */
import http from 'node:http';

export type HeaderPairs = Array<[string, string]>;

export interface UpstreamRequest {
  method: string;
  path: string;
  authority: string;
  headers: HeaderPairs;
  body: Uint8Array;
}

export interface UpstreamResponse {
  status: number;
  headers: HeaderPairs;
  chunks: Uint8Array[];
  trailers: HeaderPairs;
}

export type UpstreamHandler = (request: UpstreamRequest) => UpstreamResponse | Promise<UpstreamResponse>;

export interface UpstreamEvents {
  onHeaders?(status: number, headers: HeaderPairs, contentLength: number | undefined): void;
  onChunk?(chunk: Uint8Array): void;
}

export class UpstreamError extends Error {
  constructor(readonly kind: 'timeout' | 'reset', message: string) {
    super(message);
  }
}

function pairs(raw: string[]): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

function headerObject(request: UpstreamRequest): Record<string, string[]> {
  const out: Record<string, string[]> = { host: [request.authority] };
  for (const [k, v] of request.headers) if (!k.startsWith(':') && k !== 'host') (out[k] ??= []).push(v);
  return out;
}

async function callHandler(handler: UpstreamHandler, request: UpstreamRequest, events: UpstreamEvents) {
  const response = await handler(request);
  const length = response.headers.find(([k]) => k === 'content-length');
  events.onHeaders?.(response.status, response.headers, length ? Number(length[1]) : undefined);
  for (const chunk of response.chunks) events.onChunk?.(chunk);
  return response;
}

/** Resolves with the whole response; rejects with `UpstreamError` on reset, refusal or timeout. */
export function sendUpstream(
  target: string | UpstreamHandler,
  request: UpstreamRequest,
  timeoutMs = 0,
  events: UpstreamEvents = {},
): Promise<UpstreamResponse> {
  if (typeof target === 'function') return withTimeout(callHandler(target, request, events), timeoutMs);
  const url = new URL(target);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method: request.method,
      path: request.path,
      headers: headerObject(request),
      setHost: false,
    });
    const timer = timeoutMs > 0 ? setTimeout(() => req.destroy(new UpstreamError('timeout', 'upstream request timeout')), timeoutMs) : undefined;
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof UpstreamError ? err : new UpstreamError('reset', err.message));
    });
    req.on('response', (res) => {
      const chunks: Uint8Array[] = [];
      const length = res.headers['content-length'];
      events.onHeaders?.(res.statusCode ?? 0, pairs(res.rawHeaders), length === undefined ? undefined : Number(length));
      res.on('data', (chunk: Buffer) => {
        const bytes = new Uint8Array(chunk);
        chunks.push(bytes);
        events.onChunk?.(bytes);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: pairs(res.rawHeaders), chunks, trailers: pairs(res.rawTrailers) });
      });
      res.on('error', (err) => reject(new UpstreamError('reset', err.message)));
    });
    req.end(Buffer.from(request.body));
  });
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  if (timeoutMs <= 0) return work;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new UpstreamError('timeout', 'upstream request timeout')), timeoutMs);
    work.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e instanceof UpstreamError ? e : new UpstreamError('reset', String(e)))),
    );
  });
}
