/**
 * proxy_send_local_response as Envoy applies it (reference §2, §9): after the callback returns, with its
 * result forced to Stop; from the request phase the upstream is never used and the reply runs through the
 * plugin's own response callbacks; from the response phase before headers went out it goes straight to the
 * client; after that the stream is reset; Envoy's text/plain, content-length and grpc-status headers.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import { guest } from './support/wat.ts';

type Phase = 'request_headers' | 'request_body' | 'response_headers' | 'response_body' | 'configure';

interface ReplySpec {
  phase: Phase;
  status?: number;
  body?: string;
  details?: string;
  grpc?: number;
  headers?: Array<[string, string]>;
}

function pairs(list: Array<[string, string]>): string {
  const u32 = (n: number) => String.fromCharCode(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
  return u32(list.length) + list.map(([k, v]) => u32(k.length) + u32(v.length)).join('') + list.map(([k, v]) => `${k}\0${v}\0`).join('');
}

function replying(spec: ReplySpec): Uint8Array {
  const send = `
    (i32.store (i32.const 600) (call $proxy_send_local_response (i32.const ${spec.status ?? 403})
      (global.get $details) (global.get $details_len) (global.get $reply) (global.get $reply_len)
      (global.get $hdrs) (global.get $hdrs_len) (i32.const ${spec.grpc ?? -1})))
    (call $log (i32.const 2) (global.get $after) (global.get $after_len))`;
  const at = (phase: Phase) => (spec.phase === phase ? send : '');
  return guest({
    imports: ['proxy_log', 'proxy_send_local_response', 'proxy_add_header_map_value'],
    strings: {
      details: spec.details ?? 'denied by plugin',
      reply: spec.body ?? 'nope',
      hdrs: pairs(spec.headers ?? [['x-plugin', 'yes']]),
      after: 'after local reply',
      seen_headers: 'response headers',
      seen_body: 'response body',
      key: 'x-plugin-pass',
      one: '1',
    },
    body: `
  (func (export "proxy_on_configure") (param i32 i32) (result i32) ${at('configure')} (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${at('request_headers')} (i32.const 0))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) ${at('request_body')} (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (call $log (i32.const 2) (global.get $seen_headers) (global.get $seen_headers_len))
    (drop (call $proxy_add_header_map_value (i32.const 2) (global.get $key) (global.get $key_len) (global.get $one) (global.get $one_len)))
    ${at('response_headers')} (i32.const 0))
  (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32)
    (call $log (i32.const 2) (global.get $seen_body) (global.get $seen_body_len)) ${at('response_body')} (i32.const 0))
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32))`,
  });
}

const REQUEST = { ':method': 'GET', ':path': '/secret', ':authority': 'a' };
const statusStored = (host: Host) => new DataView(host.workers[0]!.memory.read(600, 4).buffer).getInt32(0, true);
const names = (trace: Array<{ callback: string }>) => trace.map((t) => t.callback);

describe('proxy_send_local_response', () => {
  it('from on_request_headers: no upstream, the reply passes the plugin, Envoy adds text/plain and content-length (ref §9)', async () => {
    const host = await createHost({ module: replying({ phase: 'request_headers' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect(statusStored(host)).toBe(0);
    expect(stream.upstream.cancelled).toBe(true);
    expect(stream.upstream.headers).toBeUndefined();
    expect(names(stream.trace)).toEqual([
      'proxy_on_request_headers',
      'proxy_on_response_headers',
      'proxy_on_response_body',
      'proxy_on_log',
      'proxy_on_done',
      'proxy_on_delete',
    ]);
    expect(stream.client.status).toBe(403);
    expect(stream.client.header('x-plugin')).toBe('yes');
    expect(stream.client.header('x-plugin-pass')).toBe('1');
    expect(stream.client.header('content-type')).toBe('text/plain');
    expect(stream.client.header('content-length')).toBe('4');
    expect(stream.client.text).toBe('nope');
    expect(stream.client.ended).toBe(true);
    expect(stream.localReply?.details).toBe('denied_by_plugin');
  });

  it('is applied after the callback returns: a log written after the call comes first (ref §9)', async () => {
    const host = await createHost({ module: replying({ phase: 'request_headers' }) });
    host.newHttpStream().sendRequestHeaders(REQUEST, true);
    expect(host.logs.messages('info')).toEqual(['after local reply', 'response headers', 'response body']);
  });

  it('forces the callback result to Stop even when the guest returned Continue (ref §2)', async () => {
    const host = await createHost({ module: replying({ phase: 'request_headers' }) });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQUEST, false).action).toBe('StopAllIterationAndWatermark');
    expect(stream.trace[0]).toMatchObject({ callback: 'proxy_on_request_headers', result: 0 });

    const bodyHost = await createHost({ module: replying({ phase: 'request_body' }) });
    const bodyStream = bodyHost.newHttpStream();
    bodyStream.sendRequestHeaders({ ...REQUEST, ':method': 'POST' }, false);
    expect(bodyStream.sendRequestBody('payload', true).action).toBe('StopIterationNoBuffer');
    expect(bodyStream.upstream.chunks).toEqual([]);
    expect(bodyStream.upstream.cancelled).toBe(true);
    expect(bodyStream.client.status).toBe(403);
  });

  it('adds grpc-status only for codes 0..16; -1 adds none (ref §9)', async () => {
    for (const [grpc, expected] of [
      [-1, undefined],
      [0, '0'],
      [16, '16'],
      [17, undefined],
    ] as const) {
      const host = await createHost({ module: replying({ phase: 'request_headers', grpc }) });
      const stream = host.newHttpStream();
      stream.sendRequestHeaders(REQUEST, true);
      expect(stream.client.header('grpc-status'), `grpc_status ${grpc}`).toBe(expected);
    }
  });

  it('sends an empty body without content-type or content-length (ref §9)', async () => {
    const host = await createHost({ module: replying({ phase: 'request_headers', body: '', status: 204 }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect(stream.client.status).toBe(204);
    expect(stream.client.header('content-type')).toBeUndefined();
    expect(stream.client.header('content-length')).toBeUndefined();
    expect(names(stream.trace)).not.toContain('proxy_on_response_body');
    expect(stream.client.ended).toBe(true);
  });

  it('from on_response_headers: straight to the client, without another pass through the plugin (ref §9)', async () => {
    const host = await createHost({ module: replying({ phase: 'response_headers', status: 502, body: 'bad upstream' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect(stream.upstream.ended).toBe(true);
    expect(stream.sendResponseHeaders({ ':status': '200', 'x-upstream': 'u' }, false).action).toBe('StopAllIterationAndWatermark');
    expect(stream.client.status).toBe(502);
    expect(stream.client.header('x-upstream')).toBeUndefined();
    expect(stream.client.header('x-plugin-pass')).toBeUndefined();
    expect(stream.client.text).toBe('bad upstream');
    expect(stream.sendResponseBody('upstream body', true)).toEqual({});
    expect(stream.client.text).toBe('bad upstream');
    expect(names(stream.trace)).toEqual(['proxy_on_request_headers', 'proxy_on_response_headers', 'proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
  });

  it('after response headers were sent: resets the stream, logging still runs (ref §9)', async () => {
    const host = await createHost({ module: replying({ phase: 'response_body' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    expect(stream.client.status).toBe(200);
    stream.sendResponseBody('partial', false);
    expect(stream.client.reset).toBeDefined();
    expect(stream.client.status).toBe(200);
    expect(stream.client.chunks).toEqual([]);
    expect(names(stream.trace).slice(-3)).toEqual(['proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
  });

  it('on a root context returns Ok and changes nothing (ref §9: HTTP streams only, always Ok)', async () => {
    const host = await createHost({ module: replying({ phase: 'configure' }) });
    expect(statusStored(host)).toBe(0);
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect(stream.upstream.ended).toBe(true);
    expect(stream.localReply).toBeUndefined();
  });
});
