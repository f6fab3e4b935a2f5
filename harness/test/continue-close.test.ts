/**
 * proxy_continue_stream and proxy_close_stream (reference §4, §9): status codes per stream type as Envoy
 * returns them, continue applied only after the calling callback returns, Envoy dropping the request
 * header map at the call, and close resetting the stream with on_log/on_done/on_delete still called.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import { guest } from './support/wat.ts';

const REQUEST = { ':method': 'POST', ':path': '/p', ':authority': 'a' };
const i32At = (host: Host, addr: number) => new DataView(host.workers[0]!.memory.read(addr, 4).buffer).getInt32(0, true);
const names = (trace: Array<{ callback: string }>) => trace.map((t) => t.callback);

const IMPORTS = [
  'proxy_log',
  'proxy_continue_stream',
  'proxy_close_stream',
  'proxy_set_effective_context',
  'proxy_set_tick_period_milliseconds',
  'proxy_get_header_map_value',
];

/** A guest whose callbacks run the given bodies; `$stream` remembers the last stream id for the tick. */
function controller(parts: { requestHeaders?: string; requestBody?: string; responseHeaders?: string; tick?: string; configure?: string }) {
  return guest({
    imports: IMPORTS,
    strings: { before: 'tick before continue', after: 'tick after continue', body: 'request body', path: ':path' },
    body: `
  (global $stream (mut i32) (i32.const 0))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) ${parts.configure ?? ''} (i32.const 1))
  (func (export "proxy_on_tick") (param $root i32) ${parts.tick ?? ''})
  (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
    (global.set $stream (local.get $ctx)) ${parts.requestHeaders ?? '(i32.const 0)'})
  (func (export "proxy_on_request_body") (param $ctx i32) (param i32 i32) (result i32)
    (call $log (i32.const 2) (global.get $body) (global.get $body_len)) ${parts.requestBody ?? '(i32.const 0)'})
  (func (export "proxy_on_response_headers") (param $ctx i32) (param i32 i32) (result i32) ${parts.responseHeaders ?? '(i32.const 0)'})
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32))`,
  });
}

const ON_STREAM = '(drop (call $proxy_set_effective_context (global.get $stream)))';

describe('proxy_continue_stream / proxy_close_stream', () => {
  it('answers continue: Downstream Ok (no-op on HTTP), Upstream Unimplemented, 4 BadArgument (ref §4)', async () => {
    const host = await createHost({
      module: controller({
        requestHeaders: `
    (i32.store (i32.const 600) (call $proxy_continue_stream (i32.const 2)))
    (i32.store (i32.const 604) (call $proxy_continue_stream (i32.const 3)))
    (i32.store (i32.const 608) (call $proxy_continue_stream (i32.const 4)))
    (i32.const 1)`,
      }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect([i32At(host, 600), i32At(host, 604), i32At(host, 608)]).toEqual([0, 12, 2]);
    expect(stream.upstream.headers).toBeUndefined();
  });

  it('answers close: Downstream and Upstream Ok without touching the HTTP stream, 4 BadArgument (ref §4)', async () => {
    const host = await createHost({
      module: controller({
        requestHeaders: `
    (i32.store (i32.const 600) (call $proxy_close_stream (i32.const 2)))
    (i32.store (i32.const 604) (call $proxy_close_stream (i32.const 3)))
    (i32.store (i32.const 608) (call $proxy_close_stream (i32.const 4)))
    (i32.const 0)`,
      }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect([i32At(host, 600), i32At(host, 604), i32At(host, 608)]).toEqual([0, 0, 2]);
    expect(stream.client.reset).toBeUndefined();
    expect(stream.upstream.ended).toBe(true);
  });

  it('applies continue only after the calling callback returns (ref §4, §9)', async () => {
    const host = await createHost({
      module: controller({
        requestHeaders: '(i32.const 1)',
        tick: `(if (global.get $stream) (then ${ON_STREAM}
      (call $log (i32.const 2) (global.get $before) (global.get $before_len))
      (i32.store (i32.const 600) (call $proxy_continue_stream (i32.const 0)))
      (call $log (i32.const 2) (global.get $after) (global.get $after_len))
      (global.set $stream (i32.const 0))))`,
      }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('queued', true);
    host.advanceTime(10);
    expect(i32At(host, 600)).toBe(0);
    expect(host.logs.messages('info')).toEqual(['tick before continue', 'tick after continue', 'request body']);
    expect(stream.upstream.text).toBe('queued');
  });

  it('resumes held response headers with continue_stream(1) (ref §9)', async () => {
    const host = await createHost({
      module: controller({
        responseHeaders: '(i32.const 1)',
        tick: `(if (global.get $stream) (then ${ON_STREAM}
      (i32.store (i32.const 600) (call $proxy_continue_stream (i32.const 1))) (global.set $stream (i32.const 0))))`,
      }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    stream.sendResponseHeaders({ ':status': '201' }, false);
    stream.sendResponseBody('made', true);
    expect(stream.client.headers).toBeUndefined();
    host.advanceTime(10);
    expect(stream.client.status).toBe(201);
    expect(stream.client.text).toBe('made');
    expect(names(stream.trace).slice(-3)).toEqual(['proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
  });

  it('drops the request header map as soon as continue_stream is called (ref §9 header lifetime)', async () => {
    const read = (addr: number) =>
      `(i32.store (i32.const ${addr}) (call $proxy_get_header_map_value (i32.const 0) (global.get $path) (global.get $path_len) (i32.const 640) (i32.const 644)))`;
    const host = await createHost({
      module: controller({
        requestHeaders: '(i32.const 1)',
        tick: `(if (global.get $stream) (then ${ON_STREAM}
      ${read(600)} (drop (call $proxy_continue_stream (i32.const 0))) ${read(604)} (global.set $stream (i32.const 0))))`,
      }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    host.advanceTime(10);
    expect([i32At(host, 600), i32At(host, 604)]).toEqual([0, 2]);
    expect(stream.upstream.header(':path')).toBe('/p');
  });

  it('close_stream(0) resets the stream before the upstream sees it; on_log, on_done, on_delete still run (ref §9)', async () => {
    const host = await createHost({
      module: controller({ requestHeaders: '(i32.store (i32.const 600) (call $proxy_close_stream (i32.const 0))) (i32.const 0)' }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    expect(i32At(host, 600)).toBe(0);
    expect(stream.client.reset).toBeDefined();
    expect(stream.upstream.headers).toBeUndefined();
    expect(names(stream.trace)).toEqual(['proxy_on_request_headers', 'proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
    expect(stream.sendRequestBody('late', true)).toEqual({});
  });

  it('close_stream(1) from a tick resets a stream waiting for its response (ref §9)', async () => {
    const host = await createHost({
      module: controller({
        tick: `(if (global.get $stream) (then ${ON_STREAM}
      (i32.store (i32.const 600) (call $proxy_close_stream (i32.const 1))) (global.set $stream (i32.const 0))))`,
      }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect(stream.upstream.ended).toBe(true);
    host.advanceTime(10);
    expect(stream.client.reset).toBeDefined();
    expect(stream.client.headers).toBeUndefined();
    expect(names(stream.trace).slice(-3)).toEqual(['proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
  });

  it('accepts continue and close on a root context as no-ops (ref §4)', async () => {
    const host = await createHost({
      module: controller({
        configure: `
    (i32.store (i32.const 600) (call $proxy_continue_stream (i32.const 0)))
    (i32.store (i32.const 604) (call $proxy_close_stream (i32.const 0)))`,
      }),
    });
    expect([i32At(host, 600), i32At(host, 604)]).toEqual([0, 0]);
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    expect(stream.upstream.ended).toBe(true);
  });
});
