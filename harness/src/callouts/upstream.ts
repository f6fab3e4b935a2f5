/**
 * Sends one HTTP request to an upstream (a real server on loopback, or an in-process handler) and
 * reports the response as it arrives: headers, each body chunk as read, trailers. Used by
 * `proxy_http_call`, by whole exchanges and by the gateway (which may name an `https:` upstream).
 */
import http from 'node:http';
import https from 'node:https';
import type { HeaderPairs } from '../codec/pairs.ts';

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

/** `refused`: no connection could be made; `reset`: the connection ended early; `timeout`: no full answer in time. */
export type UpstreamFailureKind = 'refused' | 'reset' | 'timeout';

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Linux errno Envoy prints in a connect failure ("delayed connect error: 111"). */
const ECONNREFUSED = 111;

/**
 * The local reply Envoy's router makes when the upstream fails before response headers (router.cc
 * onUpstreamReset / onResponseTimeout, Envoy 1.27 wording). Envoy's async client (`proxy_http_call`) hands
 * it to the caller as an ordinary response.
 */
export function envoyUpstreamFailure(kind: UpstreamFailureKind): { status: number; body: string; details: string } {
  if (kind === 'timeout') return { status: 504, body: 'upstream request timeout', details: 'upstream_response_timeout' };
  const reason = kind === 'refused' ? 'remote connection failure' : 'connection termination';
  const transport = kind === 'refused' ? `delayed connect error: ${ECONNREFUSED}` : '';
  return {
    status: 503,
    body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason}${transport ? `, transport failure reason: ${transport}` : ''}`,
    details: `upstream_reset_before_response_started{${reason.replaceAll(' ', '_')}${transport ? `|${transport.replaceAll(' ', '_')}` : ''}}`,
  };
}

function pairs(raw: string[]): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

function headerObject(request: UpstreamRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { host: request.authority };
  for (const [k, v] of request.headers) {
    if (k.startsWith(':') || k === 'host') continue;
    const seen = out[k];
    out[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  return out;
}

/** An in-process handler that throws behaves like an upstream that resets the connection. */
async function callHandler(handler: UpstreamHandler, request: UpstreamRequest, events: UpstreamEvents) {
  let response: UpstreamResponse;
  try {
    response = await handler(request);
  } catch (error) {
    throw new UpstreamError('reset', `in-process upstream threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  const length = response.headers.find(([k]) => k === 'content-length');
  events.onHeaders?.(response.status, response.headers, length ? Number(length[1]) : undefined);
  for (const chunk of response.chunks) events.onChunk?.(chunk);
  return response;
}

/**
 * Resolves with the whole response; rejects with `UpstreamError` on reset, refusal or timeout.
 * `firstByteTimeoutMs` bounds the wait for the response headers only (Higress's first-byte timeout).
 */
export function sendUpstream(
  target: string | UpstreamHandler,
  request: UpstreamRequest,
  timeoutMs = 0,
  events: UpstreamEvents = {},
  firstByteTimeoutMs = 0,
): Promise<UpstreamResponse> {
  if (typeof target === 'function') {
    const bound = [timeoutMs, firstByteTimeoutMs].filter((t) => t > 0);
    return withTimeout(callHandler(target, request, events), bound.length ? Math.min(...bound) : 0);
  }
  const url = new URL(target);
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (timedOut) reject(new UpstreamError('timeout', 'upstream request timeout'));
      else if (err instanceof UpstreamError) reject(err);
      else reject(new UpstreamError((err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'refused' : 'reset', err.message));
    };
    const req = (url.protocol === 'https:' ? https : http).request({
      host: url.hostname,
      port: url.port,
      method: request.method,
      path: request.path,
      headers: headerObject(request),
      setHost: false,
    });
    const expire = () => {
      timedOut = true;
      req.destroy(new UpstreamError('timeout', 'upstream request timeout'));
    };
    const timer = timeoutMs > 0 ? setTimeout(expire, timeoutMs) : undefined;
    const firstByte = firstByteTimeoutMs > 0 ? setTimeout(expire, firstByteTimeoutMs) : undefined;
    req.on('error', (err) => {
      clearTimeout(firstByte);
      fail(err);
    });
    req.on('response', (res) => {
      clearTimeout(firstByte);
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
      res.on('error', fail);
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
