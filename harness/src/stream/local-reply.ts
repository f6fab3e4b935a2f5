/**
 * The response headers Envoy builds for a local reply (reference §9): `:status`, the plugin's headers,
 * then content-length and a text/plain content type for a non-empty body unless the plugin set one, and
 * `grpc-status` when the code is in 0..16.
 */
import type { HeaderPairs } from '../codec/pairs.ts';
import type { LocalReply } from '../vm/stream-handle.ts';

export type { LocalReply };

export function localReplyHeaders(reply: LocalReply): HeaderPairs {
  const headers: HeaderPairs = [[':status', String(reply.status)]];
  for (const [k, v] of reply.headers) headers.push([k.toLowerCase(), v]);
  if (reply.body.length > 0) {
    if (!headers.some(([k]) => k === 'content-type')) headers.push(['content-type', 'text/plain']);
    headers.push(['content-length', String(reply.body.length)]);
  }
  if (reply.grpcStatus >= 0 && reply.grpcStatus <= 16) headers.push(['grpc-status', String(reply.grpcStatus)]);
  return headers;
}
