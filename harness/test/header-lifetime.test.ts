/**
 * How long a header map lives (reference §9): gone once its headers callback returned Continue, kept
 * (readable and writable) while the plugin holds the headers until it continues the stream, and back in
 * the log phase as a read-only copy without request trailers.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import { decodePairs } from '../src/codec/pairs.ts';
import {
  add, get, op, outs, pairs, recorderGuest, remove, replace, setPairs, size, statusAndText, type Callbacks,
} from './support/recorder.ts';

const IMPORTS = [
  'proxy_get_header_map_value', 'proxy_add_header_map_value', 'proxy_replace_header_map_value',
  'proxy_remove_header_map_value', 'proxy_get_header_map_pairs', 'proxy_set_header_map_pairs',
  'proxy_get_header_map_size', 'proxy_set_tick_period_milliseconds', 'proxy_set_effective_context', 'proxy_continue_stream',
];
const STREAM_GLOBAL = '  (global $stream (mut i32) (i32.const 0))';

function plugin(callbacks: Callbacks, strings: Record<string, string>): Uint8Array {
  return recorderGuest(callbacks, { imports: IMPORTS, strings, body: STREAM_GLOBAL });
}

const continueRequest = op('(call $proxy_continue_stream (i32.const 0))');
const TICK_EVERY_SECOND = '(drop (call $proxy_set_tick_period_milliseconds (i32.const 1000))) (i32.const 1)';
const REMEMBER_STREAM = '(if (local.get 1) (then (global.set $stream (local.get 0))))';
const AS_STREAM = op('(call $proxy_set_effective_context (global.get $stream))');

const REQ = { ':method': 'POST', ':path': '/a', ':authority': 'h', 'x-a': 'va' };
const STRINGS = { path: ':path', status: ':status', a: 'x-a', late: 'x-late', v: '1', nope: 'x-nope', t: 'x-t', data: '\0\0\0\0' };

describe('header lifetime', () => {
  it('after Continue the request map is gone: BadArgument for reads and writes, Ok and empty pairs (ref §9)', async () => {
    const probe = [get(0, 'path'), pairs(0), add(0, 'late', 'v'), replace(0, 'a', 'v'), remove(0, 'a'), setPairs(0, 'data'), size(0)];
    const host = await createHost({
      module: plugin({ proxy_on_request_headers: '(i32.const 0)', proxy_on_request_body: `${probe.join(' ')} (i32.const 0)` }, STRINGS),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, false);
    stream.sendRequestBody('abc', true);
    expect(outs(host).map((o) => [o.status, o.ptr, o.size])).toEqual([
      [2, 0xffffffff, 0xffffffff], [0, 0, 0], [2, 0xffffffff, 0xffffffff], [2, 0xffffffff, 0xffffffff],
      [2, 0xffffffff, 0xffffffff], [2, 0xffffffff, 0xffffffff], [2, 0xffffffff, 0xffffffff],
    ]);
    expect(stream.upstream.header('x-a')).toBe('va');
    expect(stream.upstream.text).toBe('abc');
  });

  it('after Continue from on_response_headers the response map is gone in on_response_body (ref §9)', async () => {
    const host = await createHost({
      module: plugin(
        { proxy_on_response_headers: '(i32.const 0)', proxy_on_response_body: `${get(2, 'status')} ${add(2, 'late', 'v')} (i32.const 0)` },
        STRINGS,
      ),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('ok', true);
    expect(outs(host).map((o) => o.status)).toEqual([2, 2]);
    expect(stream.client.header('x-late')).toBeUndefined();
  });

  it('while the headers are held (1 → StopAllIterationAndWatermark) the map stays live until continue (ref §9)', async () => {
    const host = await createHost({
      module: plugin(
        {
          proxy_on_vm_start: TICK_EVERY_SECOND,
          proxy_on_context_create: REMEMBER_STREAM,
          proxy_on_request_headers: '(i32.const 1)',
          proxy_on_tick: `${AS_STREAM} ${get(0, 'a')} ${add(0, 'late', 'v')} ${continueRequest}`,
          proxy_on_request_body: `${get(0, 'a')} (i32.const 0)`,
        },
        STRINGS,
      ),
    });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQ, false).action).toBe('StopAllIterationAndWatermark');
    stream.sendRequestBody('abc', true);
    expect(stream.upstream.headers).toBeUndefined();
    expect(stream.trace.map((t) => t.callback)).not.toContain('proxy_on_request_body');
    host.advanceTime(1000);
    expect(statusAndText(host)).toEqual([[0, undefined], [0, 'va'], [0, undefined], [0, undefined], [2, undefined]]);
    expect(stream.upstream.header('x-late')).toBe('1');
    expect(stream.upstream.text).toBe('abc');
    expect(stream.upstream.ended).toBe(true);
  });

  it('continue_stream(0) drops the request map at once, within the same callback (ref §9)', async () => {
    const host = await createHost({
      module: plugin(
        {
          proxy_on_vm_start: TICK_EVERY_SECOND,
          proxy_on_context_create: REMEMBER_STREAM,
          proxy_on_request_headers: '(i32.const 1)',
          proxy_on_tick: `${AS_STREAM} ${continueRequest} ${add(0, 'late', 'v')} ${get(0, 'a')}`,
        },
        STRINGS,
      ),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    host.advanceTime(1000);
    expect(outs(host).map((o) => o.status)).toEqual([0, 0, 2, 2]);
    expect(stream.upstream.header('x-late')).toBeUndefined();
    expect(stream.upstream.ended).toBe(true);
  });

  it('on_log reads request and response headers read-only; unknown keys and absent maps are NotFound (ref §9)', async () => {
    const probe = [
      get(0, 'path'), get(2, 'status'), get(0, 'nope'), get(3, 'a'), get(1, 't'),
      add(0, 'late', 'v'), replace(2, 'status', 'v'), remove(0, 'a'), size(0), pairs(0),
    ];
    const host = await createHost({ module: plugin({ proxy_on_log: probe.join(' ') }, STRINGS), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, false);
    stream.sendRequestTrailers({ 'x-t': 'tv' });
    stream.sendResponseHeaders({ ':status': '201' }, true);
    const out = outs(host);
    expect(out.map((o) => [o.status, o.text]).slice(0, 9)).toEqual([
      [0, '/a'], [0, '201'], [1, undefined], [1, undefined], [1, undefined],
      [2, undefined], [2, undefined], [2, undefined], [2, undefined],
    ]);
    expect(out[9]!.status).toBe(0);
    expect(decodePairs(host.workers[0]!.memory.read(out[9]!.ptr, out[9]!.size))).toEqual(Object.entries(REQ));
    expect(stream.trace.map((t) => t.callback)).toEqual(['proxy_on_log']);
  });
});
