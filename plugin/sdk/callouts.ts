/**
 * HTTP callouts (`proxy_http_call`): issued on the root context; the answer comes in a later callback,
 * where the response headers, body and trailers are read before the callback ends. A failed call (a
 * reset after the answer started; Envoy answers a refused connection or a timeout itself, with 503/504)
 * arrives as a `CalloutResponse` with `failed: true` and Envoy's reason (`proxy_get_status`).
 */
import * as host from './host-calls.ts';
import { BufferType, MapType } from './abi.ts';
import { encodePairs, decodePairs, encodeUtf8, decodeUtf8, type HeaderPairs } from './codec.ts';
import { parseJson } from './json.ts';

export interface CalloutRequest {
  cluster: string;
  method?: string;
  path: string;
  authority: string;
  headers?: HeaderPairs;
  body?: string | ArrayBuffer;
  timeoutMs?: number;
}

export interface CalloutResponse {
  failed: boolean;
  /** Why a failed call failed, as Envoy reports it (e.g. code 11 BrokenConnection, "reset"). */
  failure?: { code: number; message: string };
  status: number;
  headers: HeaderPairs;
  body: ArrayBuffer;
  trailers: HeaderPairs;
  text(): string;
  /** The body as JSON (nested at most `MAX_JSON_DEPTH` levels); throws a SyntaxError otherwise. */
  json(): unknown;
}

export class CalloutError extends Error {
  constructor(
    readonly status: number,
    readonly request: CalloutRequest,
  ) {
    super(`http call to cluster "${request.cluster}" (${request.method ?? 'GET'} ${request.path}) was refused with status ${status}`);
  }
}

/** Sends the request; returns the token Envoy assigned. Throws CalloutError when Envoy refuses it. */
export function dispatchCallout(request: CalloutRequest): number {
  const headers: HeaderPairs = [
    [':method', request.method ?? 'GET'],
    [':path', request.path],
    [':authority', request.authority],
    ...(request.headers ?? []),
  ];
  const body = request.body === undefined ? new ArrayBuffer(0) : typeof request.body === 'string' ? encodeUtf8(request.body) : request.body;
  const token = host.httpCall(request.cluster, encodePairs(headers), body, encodePairs([]), request.timeoutMs ?? 5000) as number;
  if (token < 0) throw new CalloutError(-token, request);
  return token;
}

/** Envoy's status of the call that just failed: code and message. */
function failureReason(): { code: number; message: string } {
  const message = host.getStatus();
  return typeof message === 'string' ? { code: host.lastU32() as number, message } : { code: message as number, message: '' };
}

/** Reads the callout answer; valid only inside `proxy_on_http_call_response`. */
export function readCalloutResponse(numHeaders: number, bodySize: number, numTrailers: number): CalloutResponse {
  const failed = numHeaders === 0 && bodySize === 0 && numTrailers === 0;
  const headersRaw = failed ? undefined : host.getHeaderMapPairs(MapType.HttpCallResponseHeaders);
  const headers = headersRaw instanceof ArrayBuffer ? decodePairs(headersRaw) : [];
  const bodyRaw = bodySize > 0 ? host.getBufferBytes(BufferType.HttpCallResponseBody, 0, bodySize) : undefined;
  const body = bodyRaw instanceof ArrayBuffer ? bodyRaw : new ArrayBuffer(0);
  const trailersRaw = numTrailers > 0 ? host.getHeaderMapPairs(MapType.HttpCallResponseTrailers) : undefined;
  const status = Number(headers.find(([k]) => k === ':status')?.[1] ?? 0);
  return {
    failed,
    failure: failed ? failureReason() : undefined,
    status,
    headers,
    body,
    trailers: trailersRaw instanceof ArrayBuffer ? decodePairs(trailersRaw) : [],
    text: () => decodeUtf8(body),
    json: () => {
      const parsed = parseJson(decodeUtf8(body));
      if (!parsed.ok) throw new SyntaxError(`the callout answer is not JSON this plugin can read: ${parsed.message}`);
      return parsed.value;
    },
  };
}
