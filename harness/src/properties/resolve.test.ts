/**
 * `resolveProperty` against a fixture stream: every computed request/response/peer/connection/plugin
 * attribute, configured overrides and aliases, the Envoy 1.27 top-level switch, deep walks, filter-state
 * fallback, root contexts, and path splitting.
 */

import { describe, expect, it } from 'vitest';
import { decodePairs } from '../codec/pairs.ts';
import { filterStateKey, resolveProperty, splitPropertyPath, type PropertySources } from './resolve.ts';
import type { StreamFacts } from './stream-facts.ts';

const text = new TextEncoder();
const STREAM: StreamFacts = {
  requestHeaders: [
    [':method', 'POST'], [':path', '/v1/chat?x=1&y=2#frag'], [':authority', 'api.example.com'], [':scheme', 'https'],
    ['referer', 'https://ref.example'], ['user-agent', 'curl/8'], ['x-request-id', 'req-1'], ['content-length', '12'],
    ['x-multi', 'a'], ['x-multi', 'b'],
  ],
  responseHeaders: [[':status', '200'], ['content-type', 'application/json']],
  responseTrailers: [['grpc-status', '5']],
  requestBodyBytes: 7, responseBodyBytes: 40,
  startTimeNs: 1_700_000_000_000_000_000n, nowNs: 1_700_000_000_250_000_000n,
  responseCode: 200, responseCodeDetails: 'via_upstream', responseFlags: 0x40, connectionId: 42,
  source: { address: '10.0.0.1', port: 54321 }, destination: { address: '10.0.0.2', port: 80 }, protocol: 'HTTP/1.1',
};
const BASE: PropertySources = {
  configured: {},
  plugin: { name: 'ns.ai-proxy', rootId: 'ai-proxy', vmId: 'vm-1' },
  stream: STREAM,
  filterState: new Map(),
  envoy127TopLevel: true,
};

type Expected = string | bigint | boolean | undefined;
const get = (path: string | string[], over: Partial<PropertySources> = {}) =>
  resolveProperty(typeof path === 'string' ? path.split('.') : path, { ...BASE, ...over });
const withStream = (s: Partial<StreamFacts>) => ({ stream: { ...STREAM, ...s } });

function expectValue(bytes: Uint8Array | undefined, expected: Expected): void {
  if (expected === undefined) return expect(bytes).toBeUndefined();
  expect(bytes).toBeInstanceOf(Uint8Array);
  if (typeof expected === 'boolean') return expect(bytes).toEqual(Uint8Array.of(expected ? 1 : 0));
  if (typeof expected === 'string') return expect(new TextDecoder().decode(bytes)).toBe(expected);
  expect(bytes!.length).toBe(8);
  expect(new DataView(bytes!.buffer, bytes!.byteOffset).getBigInt64(0, true)).toBe(expected);
}

const check = (rows: Array<[string | string[], Expected, Partial<PropertySources>?]>) =>
  it.each(rows)('%s', (path, expected, over) => expectValue(get(path, over), expected));

describe('request', () => check([
  ['request.path', '/v1/chat?x=1&y=2#frag'], ['request.url_path', '/v1/chat'], ['request.query', 'x=1&y=2'],
  ['request.host', 'api.example.com'], ['request.scheme', 'https'], ['request.method', 'POST'],
  ['request.referer', 'https://ref.example'], ['request.useragent', 'curl/8'], ['request.id', 'req-1'],
  ['request.protocol', 'HTTP/1.1'], ['request.time', 1_700_000_000_000_000_000n], ['request.duration', 250_000_000n],
  ['request.size', 12n], ['request.headers.x-multi', 'a,b'], ['request.headers.X-Request-Id', 'req-1'],
  ['request.headers.absent', undefined], ['request.path.deeper', undefined], ['request.nope', undefined],
  ['request.query', '', withStream({ requestHeaders: [[':path', '/plain']] })],
  ['request.size', 7n, withStream({ requestHeaders: [[':path', '/']] })],
  ['request.size', undefined, withStream({ requestHeaders: [['content-length', 'abc']] })],
  ['request.total_size', 17n, withStream({ requestHeaders: [[':path', '/a'], ['x', 'yz']] })],
  ['request.method', undefined, withStream({ requestHeaders: undefined })],
  ['request.url_path', undefined, withStream({ requestHeaders: undefined })],
]));

describe('response', () => check([
  ['response.code', 200n], ['response.code_details', 'via_upstream'], ['response.flags', 64n],
  ['response.grpc_status', 5n], ['response.headers.content-type', 'application/json'],
  ['response.trailers.grpc-status', '5'], ['response.size', 40n], ['response.total_size', 90n],
  ['response.grpc_status', 5n, withStream({ responseHeaders: [['grpc-status', '9']] })],
  ['response.grpc_status', 14n, withStream({ responseTrailers: undefined, responseHeaders: [['grpc-status', '14']] })],
  ['response.grpc_status', -1n, withStream({ responseTrailers: [['grpc-status', 'abc']] })],
  ['response.grpc_status', 14n, withStream({ responseTrailers: undefined, responseCode: 503 })],
  ['response.grpc_status', 2n, withStream({ responseTrailers: undefined })],
  ['response.grpc_status', undefined, withStream({ responseTrailers: undefined, responseCode: undefined })],
  ['response.code', undefined, withStream({ responseCode: undefined })],
]));

describe('peers, connection and plugin', () => check([
  ['source.address', '10.0.0.1:54321'], ['source.port', 54321n], ['destination.address', '10.0.0.2:80'],
  ['destination.port', 80n], ['connection.id', 42n], ['connection_id', 42n], ['connection.mtls', false],
  ['source.address', '[::1]:8080', withStream({ source: { address: '::1', port: 8080 } })],
  ['plugin_name', 'ns.ai-proxy'], ['plugin_root_id', 'ai-proxy'], ['plugin_vm_id', 'vm-1'],
]));

describe('configured values', () => {
  const configured = {
    'xds.route_name': 'r1', cluster_name: 'outbound|80||svc', 'request.path': '/override',
    'node.metadata': { foo: 'bar', list: [1n, 'two'] }, listener_metadata: { k: true },
  };
  check([
    ['request.path', '/override', { configured }], ['request.method', 'POST', { configured }],
    ['xds.route_name', 'r1', { configured }], ['route_name', 'r1', { configured }],
    ['xds.cluster_name', 'outbound|80||svc', { configured }], ['cluster_name', 'outbound|80||svc', { configured }],
    ['node.metadata.foo', 'bar', { configured }], ['node.metadata.list.1', 'two', { configured }],
    ['node.metadata.list.0', 1n, { configured }], ['node.metadata.list.2', undefined, { configured }],
    ['node.metadata.list.x', undefined, { configured }], ['node.metadata.nope', undefined, { configured }],
    ['node.id', 'n1', { configured: { node: { id: 'n1' } } }],
    ['route_name', '', {}], ['cluster_name', undefined, {}], ['listener_direction', 0n, {}],
  ]);

  it('serialises a whole configured map', () => {
    const bytes = get('node.metadata', { configured: { 'node.metadata': { foo: 'bar' } } });
    expect(decodePairs(bytes!)).toEqual([['foo', 'bar']]);
  });

  it('serialises the whole request header map with joined duplicates', () => {
    const pairs = decodePairs(get('request.headers')!);
    expect(pairs).toHaveLength(9);
    expect(pairs[0]).toEqual([':method', 'POST']);
    expect(pairs.find(([k]) => k === 'x-multi')).toEqual(['x-multi', 'a,b']);
  });

  check([['request', undefined, {}], ['source', undefined, {}]]);
});

describe('Envoy 1.27 top-level names switched off', () => {
  const off = { envoy127TopLevel: false, configured: { route_name: 'r1', 'node.metadata': { foo: 'bar' } } };
  check([
    ['route_name', undefined, off], ['node.metadata.foo', undefined, off], ['listener_direction', undefined, off],
    ['xds.route_name', 'r1', off],
    ['route_name', 'fs', { ...off, filterState: new Map([['wasm.route_name', text.encode('fs')]]) }],
  ]);
});

describe('filter state and root contexts', () => {
  const filterState = new Map([['wasm.x_request_id', text.encode('abc')], ['wasm.a.b', text.encode('ab')]]);
  check([
    ['x_request_id', 'abc', { filterState }], ['a.b', 'ab', { filterState }], ['unknown', undefined, { filterState }],
    ['toString', undefined, {}], ['__proto__', undefined, {}],
    ['x_request_id', undefined, { filterState, stream: undefined }],
    ['request.path', undefined, { stream: undefined }], ['response.code', undefined, { stream: undefined }],
    ['source.address', undefined, { stream: undefined }], ['connection_id', undefined, { stream: undefined }],
    ['request.path', undefined, { stream: undefined, configured: { 'request.path': '/x' } }],
    ['plugin_name', 'ns.ai-proxy', { stream: undefined }],
    ['plugin_vm_memory', 1024n, { stream: undefined, configured: { plugin_vm_memory: 1024n } }],
    [['filter_state', 'wasm.x_request_id'], 'abc', { filterState }],
  ]);
});

describe('path helpers', () => {
  it('splits NUL-joined paths with or without a trailing NUL', () => {
    expect(splitPropertyPath(text.encode('request\0path'))).toEqual(['request', 'path']);
    expect(splitPropertyPath(text.encode('request\0path\0'))).toEqual(['request', 'path']);
    expect(splitPropertyPath(text.encode('a\0\0b'))).toEqual(['a', '', 'b']);
    expect(splitPropertyPath(new Uint8Array(0))).toEqual([]);
  });

  it('builds the wasm.-prefixed filter-state key', () => expect(filterStateKey(['a', 'b'])).toBe('wasm.a.b'));
});
