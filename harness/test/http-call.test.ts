/**
 * `proxy_http_call` through real WAT guests and real loopback servers (reference §9, Envoy
 * `Context::httpCall` and its async client): what the cluster's server receives, tokens, when and where
 * the answer arrives, what the guest can read then, argument errors, Envoy's own 503/504 for a refused
 * or silent upstream, the `(0, 0, 0)` failure with status 11 "reset", resuming a paused stream, and
 * `host.callouts`.
 */
import { describe, expect, it } from 'vitest';
import { createHost, encodePairs, type Host } from '../src/index.ts';
import type { UpstreamRequest, UpstreamResponse } from '../src/callouts/upstream.ts';
import type { ClusterTarget } from '../src/options.ts';
import { closedPort, json, silent, startServer } from './support/servers.ts';
import { guest } from './support/wat.ts';
import { workerSlot } from './support/memory.ts';

const decoder = new TextDecoder();
const pairsText = (pairs: Array<[string, string]>) => String.fromCharCode(...encodePairs(pairs));
const guestText = (host: Host, ptrSlot: number) => decoder.decode(host.workers[0]!.memory.read(workerSlot(host, ptrSlot), workerSlot(host, ptrSlot + 1)));
const request = { ':method': 'GET', ':path': '/', ':authority': 'gw.local' };

interface CallerSpec {
  cluster?: string;
  headers?: Array<[string, string]>;
  body?: string;
  timeout?: number;
  calls?: number;
  headersResult?: number;
}

const DEFAULT_HEADERS: Array<[string, string]> = [
  [':method', 'POST'],
  [':path', '/check?user=1'],
  [':authority', 'auth.local'],
  ['x-token', 't1'],
];

function caller(spec: CallerSpec = {}): Uint8Array {
  const call = (statusSlot: number, tokenSlot: number) => `
    (call $set (i32.const ${statusSlot}) (call $proxy_http_call (global.get $cluster) (global.get $cluster_len)
      (global.get $hdrs) (global.get $hdrs_len) (global.get $body) (global.get $body_len) (i32.const 0) (i32.const 0)
      (i32.const ${spec.timeout ?? 0}) (global.get $scratch)))
    (call $set (i32.const ${tokenSlot}) (call $load32 (global.get $scratch)))`;
  return guest({
    imports: [
      'proxy_http_call', 'proxy_get_header_map_value', 'proxy_get_header_map_pairs', 'proxy_get_buffer_bytes',
      'proxy_get_status', 'proxy_set_effective_context', 'proxy_add_header_map_value', 'proxy_continue_stream',
    ],
    strings: {
      cluster: spec.cluster ?? 'auth',
      hdrs: pairsText(spec.headers ?? DEFAULT_HEADERS),
      body: spec.body ?? '',
      status_key: ':status',
      auth_key: 'x-auth',
      auth_value: 'ok',
    },
    body: `
  (global $stream (mut i32) (i32.const 0))
  (func $set (param $slot i32) (param $v i32) (i32.store (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2))) (local.get $v)))
  (func $clear (memory.fill (global.get $scratch) (i32.const 0) (i32.const 16)))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (global.set $stream (local.get $ctx))
    ${call(0, 1)}
    ${(spec.calls ?? 1) > 1 ? call(2, 3) : ''}
    (i32.const ${spec.headersResult ?? 1}))
  (func (export "proxy_on_http_call_response") (param $root i32) (param $token i32) (param $nh i32) (param $bs i32) (param $nt i32)
    (call $set (i32.const 4) (i32.add (call $load32 (i32.const 784)) (i32.const 1)))
    (call $set (i32.const 5) (local.get $root))
    (call $set (i32.const 6) (local.get $token))
    (call $set (i32.const 7) (local.get $nh))
    (call $set (i32.const 8) (local.get $bs))
    (call $set (i32.const 9) (local.get $nt))
    (call $clear)
    (call $set (i32.const 10) (call $proxy_get_header_map_value (i32.const 6) (global.get $status_key) (global.get $status_key_len) (i32.const 512) (i32.const 516)))
    (call $set (i32.const 11) (call $load32 (i32.const 512)))
    (call $set (i32.const 12) (call $load32 (i32.const 516)))
    (call $clear)
    (call $set (i32.const 13) (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (local.get $bs) (i32.const 512) (i32.const 516)))
    (call $set (i32.const 14) (call $load32 (i32.const 512)))
    (call $set (i32.const 15) (call $load32 (i32.const 516)))
    (call $clear)
    (call $set (i32.const 16) (call $proxy_get_status (i32.const 512) (i32.const 516) (i32.const 520)))
    (call $set (i32.const 17) (call $load32 (i32.const 512)))
    (call $set (i32.const 18) (call $load32 (i32.const 516)))
    (call $set (i32.const 19) (call $load32 (i32.const 520)))
    (call $set (i32.const 20) (call $proxy_set_effective_context (global.get $stream)))
    (call $set (i32.const 21) (call $proxy_add_header_map_value (i32.const 0) (global.get $auth_key) (global.get $auth_key_len) (global.get $auth_value) (global.get $auth_value_len)))
    (call $set (i32.const 22) (call $proxy_continue_stream (i32.const 0))))
  (func (export "proxy_on_response_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (call $clear)
    (call $set (i32.const 24) (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (i32.const 100) (i32.const 512) (i32.const 516)))
    (call $set (i32.const 25) (call $proxy_get_header_map_pairs (i32.const 6) (i32.const 512) (i32.const 516)))
    (call $set (i32.const 26) (call $load32 (i32.const 516)))
    (i32.const 0))`,
  });
}

async function hostFor(spec: CallerSpec, clusters: Record<string, ClusterTarget>) {
  return createHost({ module: caller(spec), clusters });
}

describe('proxy_http_call request (ref §9)', () => {
  it('sends method, path, authority, headers and body with content-length to the cluster; tokens are 4, 8 (ref §9)', async () => {
    const server = await startServer(json({ ok: true }));
    const host = await hostFor({ body: 'payload', calls: 2, headersResult: 0 }, { auth: server.url });
    host.newHttpStream().sendRequestHeaders(request, true);
    expect([workerSlot(host, 0), workerSlot(host, 1), workerSlot(host, 2), workerSlot(host, 3)]).toEqual([0, 4, 0, 8]);
    await host.idle();
    expect(server.requests).toHaveLength(2);
    const [received] = server.requests;
    expect(received).toMatchObject({ method: 'POST', path: '/check?user=1', body: 'payload' });
    expect(received!.headers).toMatchObject({ host: 'auth.local', 'x-token': 't1', 'content-length': '7' });
    expect(host.callouts.map((c) => [c.token, c.cluster, c.state])).toEqual([
      [4, 'auth', 'answered'],
      [8, 'auth', 'answered'],
    ]);
  });

  it('rejects an unknown cluster with BadArgument and sends nothing (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await hostFor({ cluster: 'nope' }, { auth: server.url });
    host.newHttpStream().sendRequestHeaders(request, true);
    expect(workerSlot(host, 0)).toBe(2);
    await host.idle();
    expect(server.requests).toHaveLength(0);
    expect(host.callouts).toHaveLength(0);
  });

  it.each([':path', ':method', ':authority'])('rejects a call without %s with BadArgument (ref §9)', async (missing) => {
    const server = await startServer(json({}));
    const host = await hostFor({ headers: DEFAULT_HEADERS.filter(([k]) => k !== missing) }, { auth: server.url });
    host.newHttpStream().sendRequestHeaders(request, true);
    expect(workerSlot(host, 0)).toBe(2);
    await host.idle();
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a negative timeout with BadArgument (Envoy Context::httpCall)', async () => {
    const server = await startServer(json({}));
    const host = await hostFor({ timeout: -1 }, { auth: server.url });
    host.newHttpStream().sendRequestHeaders(request, true);
    expect(workerSlot(host, 0)).toBe(2);
  });
});

describe('proxy_http_call response (ref §9)', () => {
  it('delivers the response to the root after the callback returns, with map 6 and buffer 4 readable only then (ref §9)', async () => {
    const server = await startServer(json({ allowed: true }, 200, { 'x-reply': 'r' }));
    const host = await hostFor({}, { auth: server.url });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(request, true);
    expect(workerSlot(host, 4)).toBe(0);
    expect(host.callouts[0]!.state).toBe('pending');
    await host.idle();
    const record = host.callouts[0]!;
    expect(record.state).toBe('answered');
    expect(workerSlot(host, 4)).toBe(1);
    expect([workerSlot(host, 5), workerSlot(host, 6), workerSlot(host, 7), workerSlot(host, 8), workerSlot(host, 9)]).toEqual([
      host.workers[0]!.root!.id, 4, record.response!.headers.length, 16, 0,
    ]);
    expect(record.response!.headers).toContainEqual(['x-reply', 'r']);
    expect([workerSlot(host, 10), guestText(host, 11)]).toEqual([0, '200']);
    expect([workerSlot(host, 13), guestText(host, 14)]).toEqual([0, '{"allowed":true}']);
    expect(workerSlot(host, 17)).toBe(0);
    stream.sendResponseHeaders({ ':status': '200' }, true);
    expect([workerSlot(host, 24), workerSlot(host, 25), workerSlot(host, 26)]).toEqual([1, 0, 0]);
  });

  it('resumes the paused stream via set_effective_context + continue_stream; the headers then reach the upstream (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await hostFor({}, { auth: server.url });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(request, true).action).toBe('StopAllIterationAndWatermark');
    expect(stream.upstream.headers).toBeUndefined();
    await host.idle();
    expect([workerSlot(host, 20), workerSlot(host, 21), workerSlot(host, 22)]).toEqual([0, 0, 0]);
    expect(stream.upstream.header('x-auth')).toBe('ok');
    expect(stream.upstream.header(':path')).toBe('/');
    expect(stream.upstream.ended).toBe(true);
  });

  it('still reaches the root when the stream has completed; set_effective_context on it is BadArgument (ref §9)', async () => {
    const server = await startServer(json({}));
    const host = await hostFor({ headersResult: 0 }, { auth: server.url });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(request, true);
    stream.sendResponseHeaders({ ':status': '204' }, true);
    expect(host.workers[0]!.contexts.has(stream.contextId)).toBe(false);
    await host.idle();
    expect([workerSlot(host, 4), workerSlot(host, 5), workerSlot(host, 20)]).toEqual([1, host.workers[0]!.root!.id, 2]);
  });

  it('answers from an in-process handler cluster through the same callback (ref §9)', async () => {
    const seen: UpstreamRequest[] = [];
    const handler = (r: UpstreamRequest) => {
      seen.push(r);
      return { status: 403, headers: [['content-type', 'text/plain']], chunks: [new TextEncoder().encode('no')], trailers: [] } satisfies UpstreamResponse;
    };
    const host = await hostFor({}, { auth: handler });
    host.newHttpStream().sendRequestHeaders(request, true);
    expect(workerSlot(host, 4)).toBe(0);
    await host.idle();
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/check?user=1', authority: 'auth.local' });
    expect([guestText(host, 11), guestText(host, 14), workerSlot(host, 8)]).toEqual(['403', 'no', 2]);
  });
});

describe('proxy_http_call upstream failures (ref §9, Envoy async client)', () => {
  it("gets Envoy's 503 reply as a normal response when the connection is refused (Envoy async client, ref §9)", async () => {
    const host = await hostFor({}, { auth: `http://127.0.0.1:${await closedPort()}` });
    host.newHttpStream().sendRequestHeaders(request, true);
    await host.idle();
    const body = 'upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: 111';
    expect([workerSlot(host, 4), workerSlot(host, 7), workerSlot(host, 8)]).toEqual([1, 3, body.length]);
    expect([guestText(host, 11), guestText(host, 14)]).toEqual(['503', body]);
    expect(workerSlot(host, 17)).toBe(0);
    expect(host.callouts[0]).toMatchObject({ state: 'answered', response: { status: 503 } });
    expect(host.callouts[0]!.failure).toMatch(/^refused/);
  });

  it("gets Envoy's 504 reply as a normal response when the server does not answer in time (Envoy async client, ref §9)", async () => {
    const server = await startServer(silent);
    const host = await hostFor({ timeout: 100 }, { auth: server.url });
    host.newHttpStream().sendRequestHeaders(request, true);
    await host.idle();
    expect(server.requests).toHaveLength(1);
    expect([guestText(host, 11), guestText(host, 14)]).toEqual(['504', 'upstream request timeout']);
    expect(host.callouts[0]!.failure).toMatch(/^timeout/);
  });

  it('calls back with (0, 0, 0) and status 11 "reset" when the upstream resets after its headers (ref §9)', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const host = await hostFor({}, { auth: server.url });
    host.newHttpStream().sendRequestHeaders(request, true);
    await host.idle();
    expect([workerSlot(host, 4), workerSlot(host, 7), workerSlot(host, 8), workerSlot(host, 9)]).toEqual([1, 0, 0, 0]);
    expect([workerSlot(host, 10), workerSlot(host, 13)]).toEqual([2, 1]);
    expect([workerSlot(host, 16), workerSlot(host, 17), guestText(host, 18)]).toEqual([0, 11, 'reset']);
    expect(host.callouts[0]!.state).toBe('failed');
  });
});
