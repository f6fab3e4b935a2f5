/**
 * `proxy_get_property` / `proxy_set_property` through the ABI (reference §5, §10): request attributes,
 * plugin identity, configured xDS names and their Envoy 1.27 top-level aliases, int64 encoding, NotFound
 * for what is missing, filter-state round trips, root contexts, and NUL-joined paths.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import type { HostOptions } from '../src/options.ts';
import { op, outs, recorderGuest, s as str, statusAndText, type Callbacks } from './support/recorder.ts';

const names = new Map<string, string>();
const id = (path: string) => {
  if (!names.has(path)) names.set(path, `p${names.size}`);
  return names.get(path)!;
};
const s = (path: string) => str(id(path));
const get = (...paths: string[]) => paths.map((p) => op(`(call $proxy_get_property ${s(p)} (i32.const 512) (i32.const 516))`)).join(' ');
const set = (path: string, value: string) => op(`(call $proxy_set_property ${s(path)} ${s(value)})`);

async function start(callbacks: Callbacks, options: Partial<HostOptions> = {}): Promise<Host> {
  const strings = Object.fromEntries([...names].map(([text, name]) => [name, text]));
  const module = recorderGuest(callbacks, { imports: ['proxy_get_property', 'proxy_set_property'], strings });
  return createHost({ module, ...options });
}

const REQ = { ':method': 'POST', ':path': '/v1/chat?x=1', ':authority': 'api.example.com', 'X-Foo': 'bar' };

describe('properties through the ABI', () => {
  it('request attributes come from the request headers (ref §5)', async () => {
    const paths = ['request\0path', 'request\0method', 'request\0host', 'request\0headers\0x-foo', 'request\0url_path'];
    const host = await start({ proxy_on_request_headers: `${get(...paths)} (i32.const 0)` });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(statusAndText(host)).toEqual([[0, '/v1/chat?x=1'], [0, 'POST'], [0, 'api.example.com'], [0, 'bar'], [0, '/v1/chat']]);
  });

  it('plugin_name and plugin_root_id answer on the root context and on streams (ref §5, §10)', async () => {
    const host = await start(
      { proxy_on_configure: `${get('plugin_name', 'plugin_root_id')} (i32.const 1)`, proxy_on_request_headers: `${get('plugin_name', 'plugin_root_id')} (i32.const 0)` },
      { pluginName: 'higress-system.ai-proxy', rootId: 'ai-proxy-root' },
    );
    host.newHttpStream().sendRequestHeaders(REQ, true);
    const expected = [[0, 'higress-system.ai-proxy'], [0, 'ai-proxy-root']];
    expect(statusAndText(host)).toEqual([...expected, ...expected]);
  });

  it('configured xds names also answer the Envoy 1.27 top-level route_name and cluster_name (ref §5, §10)', async () => {
    const cluster = 'outbound|443||llm.dns';
    const host = await start({ proxy_on_request_headers: `${get('xds\0route_name', 'route_name', 'xds\0cluster_name', 'cluster_name')} (i32.const 0)` }, {
      properties: { 'xds.route_name': 'ai-route', 'xds.cluster_name': cluster },
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(statusAndText(host)).toEqual([[0, 'ai-route'], [0, 'ai-route'], [0, cluster], [0, cluster]]);
  });

  it('Envoy ≥1.33 has no top-level route_name; xds.route_name still answers (ref §5)', async () => {
    const host = await start({ proxy_on_request_headers: `${get('route_name', 'xds\0route_name')} (i32.const 0)` }, {
      properties: { 'xds.route_name': 'ai-route' },
      envoy127Properties: false,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(statusAndText(host)).toEqual([[1, undefined], [0, 'ai-route']]);
  });

  it('response.code is an int64 of 8 little-endian bytes in response callbacks, NotFound before (ref §5)', async () => {
    const host = await start({
      proxy_on_request_headers: `${get('response\0code')} (i32.const 0)`,
      proxy_on_response_headers: `${get('response\0code')} (i32.const 0)`,
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '404' }, true);
    const [before, during] = outs(host);
    expect(before!.status).toBe(1);
    expect(during!.status).toBe(0);
    expect(during!.bytes!.length).toBe(8);
    expect(new DataView(during!.bytes!.buffer).getBigInt64(0, true)).toBe(404n);
  });

  it('missing attributes and unknown names are NotFound (ref §5)', async () => {
    const host = await start({ proxy_on_request_headers: `${get('request\0nope', 'no_such_property', 'request\0headers\0x-missing', 'xds\0route_name')} (i32.const 0)` });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(outs(host).map((o) => o.status)).toEqual([1, 1, 1, 1]);
  });

  it('a path is accepted with or without a trailing NUL (ref §5)', async () => {
    const host = await start({ proxy_on_request_headers: `${get('request\0method\0', 'request\0method', 'plugin_name\0')} (i32.const 0)` }, { pluginName: 'p' });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(statusAndText(host)).toEqual([[0, 'POST'], [0, 'POST'], [0, 'p']]);
  });
});

describe('set_property', () => {
  it('writes filter state that get_property of the same name reads back on that stream (ref §4, §5)', async () => {
    const host = await start({ proxy_on_request_headers: `${get('my_key')} ${set('my_key', 'value-1')} ${get('my_key')} (i32.const 0)` });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    expect(statusAndText(host)).toEqual([[1, undefined], [0, undefined], [0, 'value-1']]);
    expect(new TextDecoder().decode(stream.filterState.get('wasm.my_key'))).toBe('value-1');
    const other = host.newHttpStream();
    other.sendRequestHeaders(REQ, true);
    expect(outs(host)[3]!.status).toBe(1);
  });

  it('answers NotFound on a root context, which has no stream (ref §4)', async () => {
    const host = await start({ proxy_on_configure: `${set('my_key', 'value-1')} ${get('my_key')} (i32.const 1)` });
    expect(outs(host).map((o) => o.status)).toEqual([1, 1]);
  });
});

describe('header attributes follow the header maps Envoy holds (ref §5, §9)', () => {
  it('request.path is there while the request headers are, NotFound in response callbacks, back in on_log', async () => {
    const probe = get('request\0path', 'request\0headers\0x-foo');
    const host = await start({
      proxy_on_request_headers: `${probe} (i32.const 0)`,
      proxy_on_response_headers: `${probe} (i32.const 0)`,
      proxy_on_log: probe,
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '200' }, true);
    expect(statusAndText(host)).toEqual([[0, '/v1/chat?x=1'], [0, 'bar'], [1, undefined], [1, undefined], [0, '/v1/chat?x=1'], [0, 'bar']]);
  });
});
