/**
 * What the property resolver knows about one HTTP stream: the current header maps, byte counters,
 * timing, response outcome and the downstream connection. It plays the role of Envoy's StreamInfo
 * plus the filter's header pointers; a root context has none.
 */

import { parseInt64 } from './values.ts';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export interface StreamFacts {
  /** Current request headers, lower-case keys, pseudo-headers included. */
  requestHeaders?: HeaderList;
  responseHeaders?: HeaderList;
  responseTrailers?: HeaderList;
  /** Request body bytes received so far. */
  requestBodyBytes: number;
  /** Response body bytes sent so far. */
  responseBodyBytes: number;
  /** Wall clock at stream start, ns since the epoch. */
  startTimeNs: bigint;
  /** Wall clock now, ns since the epoch; `request.duration` is `nowNs − startTimeNs`. */
  nowNs: bigint;
  responseCode?: number;
  responseCodeDetails?: string;
  responseFlags: number;
  connectionId: number;
  source: { address: string; port: number };
  destination: { address: string; port: number };
  /** e.g. "HTTP/1.1"; empty means unknown. */
  protocol: string;
}

/** First value of a header, as Envoy's inline-header accessors (`Path()`, `Host()`) return it. */
export function firstHeader(h: HeaderList | undefined, name: string): string | undefined {
  return h?.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** Every value of a header joined with ",", as Envoy's CEL header map returns it. */
export function joinedHeader(h: HeaderList | undefined, name: string): string | undefined {
  const values = (h ?? []).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  return values.length > 0 ? values.join(',') : undefined;
}

/** Distinct lower-case header names in first-seen order. */
export function headerNames(h: HeaderList | undefined): string[] {
  return [...new Set((h ?? []).map(([k]) => k.toLowerCase()))];
}

/** Envoy `HeaderMap::byteSize()`: the byte lengths of every key and value. */
export function headerBytes(h: HeaderList | undefined): number {
  return (h ?? []).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

const HTTP_TO_GRPC: Record<number, bigint> = {
  400: 13n, 401: 16n, 403: 7n, 404: 12n, 429: 14n, 502: 14n, 503: 14n, 504: 14n,
};

function grpcStatusIn(h: HeaderList | undefined): bigint | undefined {
  const v = firstHeader(h, 'grpc-status');
  if (!v) return undefined;
  const n = v.trim().startsWith('-') ? undefined : parseInt64(v);
  return n !== undefined && n <= 16n ? n : -1n;
}

/**
 * Envoy `Grpc::Common::getGrpcStatus(trailers, headers, info)`: grpc-status from trailers, else from
 * headers (unparsable or above 16 gives -1), else mapped from the HTTP status (unmapped codes give 2).
 */
export function grpcStatus(s: StreamFacts): bigint | undefined {
  const fromCode = s.responseCode === undefined ? undefined : (HTTP_TO_GRPC[s.responseCode] ?? 2n);
  return grpcStatusIn(s.responseTrailers) ?? grpcStatusIn(s.responseHeaders) ?? fromCode;
}
