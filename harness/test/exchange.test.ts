/**
 * Whole exchanges (`host.exchange`) through a WAT guest to a real loopback upstream and back (reference
 * §9): forwarded requests, JSON and SSE responses chunk by chunk, chunked request bodies, upstream errors,
 * Envoy's own 503/504 replies passing the plugin, local replies that never reach the upstream, in-process
 * upstreams, a content-length the plugin made wrong, and a stream nobody continues.
 */
import { describe, expect, it } from 'vitest';
import { createHost, StreamStalled, type HttpStream } from '../src/index.ts';
import type { UpstreamRequest } from '../src/callouts/upstream.ts';
import { closedPort, json, silent, sse, startServer } from './support/servers.ts';
import { guest } from './support/wat.ts';
import { slot } from './support/memory.ts';

const decoder = new TextDecoder();
const GET = { ':method': 'GET', ':path': '/v1/items?x=1', ':authority': 'api.local' };
const POST = { ':method': 'POST', ':path': '/v1/items', ':authority': 'api.local' };

interface PluginParts {
  requestHeaders?: string;
  requestBody?: string;
}

const ADD_HEADER = `(drop (call $proxy_add_header_map_value (i32.const 0) (global.get $key) (global.get $key_len) (global.get $value) (global.get $value_len)))
    (i32.const 0)`;

function plugin(parts: PluginParts = {}): Uint8Array {
  return guest({
    imports: ['proxy_add_header_map_value', 'proxy_send_local_response', 'proxy_set_buffer_bytes'],
    strings: { key: 'x-plugin', value: 'seen', denied: 'denied', short: 'hi' },
    body: `
  (func $count (param $slot i32) (local $at i32)
    (local.set $at (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2))))
    (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    ${parts.requestHeaders ?? ADD_HEADER})
  (func (export "proxy_on_request_body") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
    (call $count (i32.const 0))
    ${parts.requestBody ?? '(i32.const 0)'})
  (func (export "proxy_on_response_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (call $count (i32.const 1))
    (i32.const 0))
  (func (export "proxy_on_response_body") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
    (call $count (i32.const 2))
    (i32.const 0))`,
  });
}

const LOCAL_REPLY = `(drop (call $proxy_send_local_response (i32.const 403) (i32.const 0) (i32.const 0)
      (global.get $denied) (global.get $denied_len) (i32.const 0) (i32.const 0) (i32.const -1)))
    (i32.const 1)`;
const REWRITE_BODY = `(drop (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (local.get $size) (global.get $short) (global.get $short_len)))
    (i32.const 0)`;

const calls = (stream: HttpStream, callback: string) => stream.trace.filter((t) => t.callback === callback).map((t) => t.args.slice(1));

describe('exchange with a real upstream (ref §9)', () => {
  it('forwards the request through the plugin and relays a JSON response (ref §9)', async () => {
    const server = await startServer(json({ items: [1, 2] }));
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: GET }, { upstream: server.url });
    expect(result.status).toBe(200);
    expect(result.client.json()).toEqual({ items: [1, 2] });
    expect(result.client.header('content-type')).toBe('application/json');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/items?x=1' });
    expect(server.requests[0]!.headers).toMatchObject({ host: 'api.local', 'x-plugin': 'seen', 'x-forwarded-proto': 'http' });
    expect(server.requests[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.upstream).toMatchObject({ method: 'GET', path: '/v1/items?x=1', authority: 'api.local' });
    expect([slot(result.stream.vm, 1), slot(result.stream.vm, 2)]).toEqual([1, 1]);
    expect(calls(result.stream, 'proxy_on_response_body')).toEqual([[15, 1]]);
  });

  it('delivers an SSE response to on_response_body chunk by chunk and the client gets every chunk unchanged (ref §9)', async () => {
    const chunks = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: [DONE]\n\n'];
    const server = await startServer(sse(chunks));
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: GET }, { upstream: server.url });
    expect(result.client.header('content-type')).toBe('text/event-stream');
    expect(calls(result.stream, 'proxy_on_response_body')).toEqual([...chunks.map((c) => [c.length, 0]), [0, 1]]);
    expect(result.client.chunks.map((c) => decoder.decode(c))).toEqual(chunks);
    expect(result.client.ended).toBe(true);
  });

  it('passes a chunked request body to on_request_body per chunk and the upstream gets it whole (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: POST, body: ['hel', 'lo ', 'world'] }, { upstream: server.url });
    expect(calls(result.stream, 'proxy_on_request_body')).toEqual([
      [3, 0],
      [3, 0],
      [5, 1],
    ]);
    expect(server.requests[0]!.body).toBe('hello world');
  });

  it('passes an upstream 500 through to the client (ref §9)', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: GET }, { upstream: server.url });
    expect([result.status, result.client.text]).toEqual([500, 'boom']);
    expect(slot(result.stream.vm, 1)).toBe(1);
  });

  it('uses an in-process handler as the upstream (ref §9)', async () => {
    const seen: UpstreamRequest[] = [];
    const handler = (request: UpstreamRequest) => {
      seen.push(request);
      return { status: 201, headers: [['content-type', 'text/plain']] as Array<[string, string]>, chunks: [new TextEncoder().encode('made')], trailers: [] };
    };
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: POST, body: 'abc' }, { upstream: handler });
    expect([result.status, result.client.text]).toEqual([201, 'made']);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/v1/items', authority: 'api.local' });
    expect(seen[0]!.headers).toContainEqual(['x-plugin', 'seen']);
    expect(decoder.decode(seen[0]!.body)).toBe('abc');
  });
});

describe('exchange failures (ref §9)', () => {
  it("answers 503 with Envoy's connect-failure text when the upstream refuses, through the plugin's response callbacks (ref §9)", async () => {
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: GET }, { upstream: `http://127.0.0.1:${await closedPort()}` });
    expect(result.status).toBe(503);
    expect(result.client.text).toBe(
      'upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: 111',
    );
    expect(result.stream.localReply?.details).toBe('upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_111}');
    expect([slot(result.stream.vm, 1), slot(result.stream.vm, 2)]).toEqual([1, 1]);
  });

  it('answers 504 "upstream request timeout" when the upstream does not answer within timeoutMs (ref §9)', async () => {
    const server = await startServer(silent);
    const host = await createHost({ module: plugin() });
    const result = await host.exchange({ headers: GET }, { upstream: server.url, timeoutMs: 100 });
    expect(server.requests).toHaveLength(1);
    expect([result.status, result.client.text]).toEqual([504, 'upstream request timeout']);
    expect(slot(result.stream.vm, 1)).toBe(1);
  });

  it('never contacts the upstream after a local reply from the plugin (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await createHost({ module: plugin({ requestHeaders: LOCAL_REPLY }) });
    const result = await host.exchange({ headers: GET }, { upstream: server.url });
    expect([result.status, result.client.text]).toEqual([403, 'denied']);
    expect(result.upstream).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    expect(slot(result.stream.vm, 1)).toBe(1);
  });

  it('resets with a 503 and a host log line when the forwarded content-length no longer matches the body (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await createHost({ module: plugin({ requestBody: REWRITE_BODY }) });
    const result = await host.exchange({ headers: { ...POST, 'content-length': '11' }, body: 'hello world' }, { upstream: server.url });
    expect(server.requests).toHaveLength(0);
    expect(result.status).toBe(503);
    expect(result.client.text).toMatch(/reset reason: connection termination$/);
    expect(host.logs.hostMessages('error')).toEqual([expect.stringMatching(/content-length 11 but 2 body bytes/)]);
  });

  it('throws StreamStalled when the plugin pauses and nothing will continue it (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await createHost({ module: plugin({ requestHeaders: '(i32.const 1)' }) });
    await expect(host.exchange({ headers: GET }, { upstream: server.url })).rejects.toBeInstanceOf(StreamStalled);
    expect(server.requests).toHaveLength(0);
  });
});
