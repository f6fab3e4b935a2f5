/**
 * What a test or gateway hands a stream, made into what Envoy's connection manager passes a filter:
 * header names lower-cased, bodies as bytes, and the request headers the connection manager adds
 * (`:authority` from `host`, `:scheme`, `x-forwarded-proto`, `x-request-id`), pseudo-headers first as
 * Envoy's header map keeps them.
 */
import { randomUUID } from 'node:crypto';
import type { HeaderPairs } from '../codec/pairs.ts';

export type HeadersInput = HeaderPairs | Record<string, string>;

export function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
}

export function normalizeHeaders(input: HeadersInput): HeaderPairs {
  const pairs = Array.isArray(input) ? input : Object.entries(input);
  const headers: HeaderPairs = pairs.map(([k, v]) => [k.toLowerCase(), String(v)]);
  pseudoFirst(headers);
  return headers;
}

/** Moves every pseudo-header ahead of the regular ones, each kind in its order, as Envoy's header map keeps them. */
function pseudoFirst(headers: HeaderPairs): void {
  const firstRegular = headers.findIndex(([k]) => !k.startsWith(':'));
  if (firstRegular < 0 || !headers.some(([k], i) => i > firstRegular && k.startsWith(':'))) return;
  const ordered = [...headers.filter(([k]) => k.startsWith(':')), ...headers.filter(([k]) => !k.startsWith(':'))];
  headers.splice(0, headers.length, ...ordered);
}

export function addEnvoyRequestHeaders(headers: HeaderPairs): void {
  const has = (name: string) => headers.some(([k]) => k === name);
  const host = headers.findIndex(([k]) => k === 'host');
  if (host >= 0 && !has(':authority')) headers[host] = [':authority', headers[host]![1]];
  if (!has(':scheme')) headers.push([':scheme', 'http']);
  if (!has('x-forwarded-proto')) headers.push(['x-forwarded-proto', 'http']);
  if (!has('x-request-id')) headers.push(['x-request-id', randomUUID()]);
  pseudoFirst(headers);
}
