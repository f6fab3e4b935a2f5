/**
 * `proxy_get_property` as Envoy's `Context::getProperty` does it (reference §5, §10): the first segment
 * names a top-level attribute, later ones walk maps, list indices and header maps, and the result is
 * serialised. Configured values win over computed ones; unknown names fall back to the filter state
 * `proxy_set_property` wrote. Stream attributes are NotFound on root contexts.
 */

import { isPropertyMap, parseInt64, serializeValue, Duration, Timestamp, type PropertyValue } from './values.ts';
import { firstHeader as first, grpcStatus, headerBytes, headerNames, joinedHeader } from './stream-facts.ts';
import type { HeaderList, StreamFacts } from './stream-facts.ts';
import { decodeUtf8 } from '../codec/utf8.ts';

export interface PropertySources {
  configured: Record<string, PropertyValue>;
  plugin: { name: string; rootId: string; vmId: string };
  /** The stream's facts, or what builds them (asked only when a path needs them). */
  stream?: StreamFacts | LazyFacts;
  filterState: ReadonlyMap<string, Uint8Array>;
  envoy127TopLevel: boolean;
}

/** Builds a stream's facts when a lookup needs them (a class: a closure per lookup would cost more). */
export abstract class LazyFacts {
  abstract facts(): StreamFacts;
}

class Wrapper {
  constructor(readonly field: (key: string) => Node | undefined, readonly whole?: () => PropertyValue) {}
}
type Node = PropertyValue | Wrapper;

const fields = (m: Record<string, Node>) => new Wrapper((k) => (Object.hasOwn(m, k) ? m[k] : undefined));
const none = () => undefined;

function headerMap(h: HeaderList | undefined): Wrapper {
  const whole = () => Object.fromEntries(headerNames(h).map((n) => [n, joinedHeader(h, n)!]));
  return new Wrapper((k) => joinedHeader(h, k.toLowerCase()), whole);
}

const REQUEST_HEADER_FIELDS: Record<string, string> = {
  path: ':path', host: ':authority', scheme: ':scheme', method: ':method',
  referer: 'referer', id: 'x-request-id', useragent: 'user-agent',
};

function request(s: StreamFacts): Wrapper {
  const h = s.requestHeaders;
  const path = first(h, ':path') ?? '';
  const contentLength = first(h, 'content-length');
  return new Wrapper((k) => {
    if (k === 'headers') return headerMap(h);
    if (k === 'time') return new Timestamp(s.startTimeNs);
    if (k === 'size') return contentLength === undefined ? BigInt(s.requestBodyBytes) : parseInt64(contentLength);
    if (k === 'total_size') return BigInt(s.requestBodyBytes + headerBytes(h));
    if (k === 'duration') return new Duration(s.nowNs - s.startTimeNs);
    if (k === 'protocol') return s.protocol || undefined;
    if (!h) return undefined;
    if (k === 'url_path') return path.split('?')[0];
    if (k === 'query') return path.includes('?') ? path.slice(path.indexOf('?') + 1).split('#')[0] : '';
    return Object.hasOwn(REQUEST_HEADER_FIELDS, k) ? first(h, REQUEST_HEADER_FIELDS[k]) : undefined;
  });
}

function response(s: StreamFacts): Wrapper {
  const { responseHeaders: h, responseTrailers: t, responseCode: code } = s;
  return new Wrapper((k) => {
    if (k === 'code') return code === undefined ? undefined : BigInt(code);
    if (k === 'code_details') return s.responseCodeDetails;
    if (k === 'flags') return BigInt(s.responseFlags);
    if (k === 'grpc_status') return grpcStatus(s);
    if (k === 'headers') return headerMap(h);
    if (k === 'trailers') return headerMap(t);
    if (k === 'size') return BigInt(s.responseBodyBytes);
    if (k === 'total_size') return BigInt(s.responseBodyBytes + headerBytes(h) + headerBytes(t));
    return undefined;
  });
}

function peer({ address, port }: { address: string; port: number }): Wrapper {
  return fields({ address: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`, port: BigInt(port) });
}

/** The stream's facts, built only by the attributes that need them. */
function facts(src: PropertySources): StreamFacts {
  const stream = src.stream!;
  return stream instanceof LazyFacts ? stream.facts() : stream;
}

/** Stream attributes, from the sources of a lookup that has a stream. */
const STREAM_TOP: Record<string, (src: PropertySources) => Node | undefined> = {
  request: (src) => request(facts(src)), response: (src) => response(facts(src)),
  connection: (src) => fields({ id: BigInt(facts(src).connectionId), mtls: false, requested_server_name: '' }),
  connection_id: (src) => BigInt(facts(src).connectionId),
  source: (src) => peer(facts(src).source), destination: (src) => peer(facts(src).destination),
  filter_state: (src) => new Wrapper((k) => src.filterState.get(k)),
  xds: () => fields({ filter_chain_name: '' }), route_name: () => '',
  upstream: none, metadata: none, cluster_name: none, cluster_metadata: none, route_metadata: none,
  upstream_host_metadata: none,
};

const PLUGIN_TOP: Record<string, (src: PropertySources) => Node | undefined> = {
  plugin_name: (src) => src.plugin.name, plugin_root_id: (src) => src.plugin.rootId,
  plugin_vm_id: (src) => src.plugin.vmId, listener_direction: () => 0n, node: none, listener_metadata: none,
};

const ENVOY127_ONLY = new Set([
  'route_name', 'cluster_name', 'cluster_metadata', 'route_metadata', 'upstream_host_metadata',
  'node', 'listener_direction', 'listener_metadata',
]);

function walk(node: Node | undefined, rest: string[]): Node | undefined {
  for (const seg of rest) {
    if (node instanceof Wrapper) node = node.field(seg);
    else if (Array.isArray(node)) node = /^[+-]?\d+$/.test(seg) ? node[Number(seg)] : undefined;
    else if (isPropertyMap(node)) node = Object.hasOwn(node, seg) ? node[seg] : undefined;
    else return undefined;
  }
  return node;
}

function toBytes(node: Node | undefined): Uint8Array | undefined {
  if (node instanceof Wrapper) return node.whole ? serializeValue(node.whole()) : undefined;
  return node === undefined ? undefined : serializeValue(node);
}

/** The first segments of the configured names, kept per configuration: most lookups name none of them. */
const configuredFirsts = new WeakMap<Record<string, PropertyValue>, Set<string>>();

function firstSegments(configured: Record<string, PropertyValue>): Set<string> {
  let firsts = configuredFirsts.get(configured);
  if (!firsts) configuredFirsts.set(configured, (firsts = new Set(Object.keys(configured).map((key) => key.split('.')[0]!))));
  return firsts;
}

function fromConfigured(path: string[], configured: Record<string, PropertyValue>): Uint8Array | undefined {
  const firsts = firstSegments(configured);
  if (firsts.size === 0) return undefined;
  const [name, second] = path;
  const xdsAlias = name === 'xds' && ENVOY127_ONLY.has(second);
  const alias = ENVOY127_ONLY.has(name) ? ['xds', ...path] : xdsAlias ? path.slice(1) : [];
  if (!firsts.has(name) && (alias.length === 0 || !firsts.has(alias[0]!))) return undefined;
  for (const candidate of [path, alias]) {
    for (let i = candidate.length; i >= 1; i--) {
      const key = candidate.slice(0, i).join('.');
      const found = Object.hasOwn(configured, key) ? toBytes(walk(configured[key], candidate.slice(i))) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Serialised value at `path`, or undefined for NotFound. */
export function resolveProperty(path: string[], sources: PropertySources): Uint8Array | undefined {
  const name = path[0];
  if (name === undefined) return undefined;
  const stream = sources.stream;
  const hidden = !sources.envoy127TopLevel && ENVOY127_ONLY.has(name);
  const needsStream = !hidden && Object.hasOwn(STREAM_TOP, name);
  const known = needsStream || (!hidden && Object.hasOwn(PLUGIN_TOP, name));
  if (needsStream && !stream) return undefined;
  const configured = hidden ? undefined : fromConfigured(path, sources.configured);
  if (configured !== undefined) return configured;
  if (!known) return stream ? sources.filterState.get(filterStateKey(path))?.slice() : undefined;
  return toBytes(walk(needsStream ? STREAM_TOP[name](sources) : PLUGIN_TOP[name](sources), path.slice(1)));
}

/** Splits a NUL-joined property path; one trailing NUL is tolerated, empty input is no segments. */
export function splitPropertyPath(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const end = bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
  return decodeUtf8(bytes.subarray(0, end)).split('\0');
}

/** Filter-state key `proxy_set_property` writes and the fallback lookup reads. */
export function filterStateKey(path: string[]): string {
  return `wasm.${path.join('.')}`;
}
