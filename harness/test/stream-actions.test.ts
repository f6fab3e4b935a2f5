/**
 * What Envoy does with the values stream callbacks return (reference §2 return value mapping, §9): header
 * StopIteration rewritten to StopAllIterationAndWatermark except under ABI 0_2_100, clamping of out-of-range
 * results, Pause holding the body until proxy_continue_stream, and the three body stop variants
 * (NoBuffer drops, AndBuffer accumulates, AndWatermark holds without growing the buffer the plugin sees).
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import { guest, type GuestSpec } from './support/wat.ts';

const REQUEST = { ':method': 'POST', ':path': '/p', ':authority': 'a' };

function returning(spec: { headers?: string; body?: string; trailers?: string; abi?: GuestSpec['abi']; extra?: string; imports?: string[] }) {
  return guest({
    abi: spec.abi,
    imports: spec.imports,
    body: `
  (global $bodies (mut i32) (i32.const 0))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32) ${spec.headers ?? '(i32.const 0)'})
  (func (export "proxy_on_request_body") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
    (i32.store (i32.add (i32.const 600) (i32.shl (global.get $bodies) (i32.const 3))) (local.get $size))
    (i32.store (i32.add (i32.const 604) (i32.shl (global.get $bodies) (i32.const 3))) (local.get $eos))
    (global.set $bodies (i32.add (global.get $bodies) (i32.const 1)))
    ${spec.body ?? '(i32.const 0)'})
  (func (export "proxy_on_request_trailers") (param $ctx i32) (param $n i32) (result i32) ${spec.trailers ?? '(i32.const 0)'})
  (func (export "body_calls") (result i32) (global.get $bodies))
${spec.extra ?? ''}`,
  });
}

/** [size, end_of_stream] of every on_request_body call, as the guest stored them. */
function bodyCalls(host: Host): Array<[number, number]> {
  const vm = host.workers[0]!;
  const n = vm.call('body_calls', [], 0);
  const view = new DataView(vm.memory.read(600, n * 8).buffer);
  return Array.from({ length: n }, (_, i) => [view.getInt32(i * 8, true), view.getInt32(i * 8 + 4, true)]);
}

const PAUSE_UNTIL_TICK = `
  (global $held (mut i32) (i32.const 0))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1))
  (func (export "proxy_on_tick") (param $root i32)
    (if (global.get $held) (then
      (drop (call $proxy_set_effective_context (global.get $held)))
      (i32.store (i32.const 700) (call $proxy_continue_stream (i32.const 0)))
      (global.set $held (i32.const 0)))))`;
const TICK_IMPORTS = ['proxy_set_tick_period_milliseconds', 'proxy_set_effective_context', 'proxy_continue_stream'];

describe('stream callback results', () => {
  it('rewrites headers result 1 to StopAllIterationAndWatermark under ABI 0_2_1 (ref §2)', async () => {
    const host = await createHost({ module: returning({ headers: '(i32.const 1)' }) });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQUEST, false)).toEqual({ action: 'StopAllIterationAndWatermark', raw: 4 });
    expect(stream.trace[0]).toMatchObject({ callback: 'proxy_on_request_headers', result: 1 });
    stream.sendRequestBody('abc', true);
    expect(bodyCalls(host)).toEqual([]);
    expect(stream.upstream.headers).toBeUndefined();
  });

  it('keeps StopIteration under ABI 0_2_100: body callbacks arrive while headers are held (ref §2, §9)', async () => {
    const host = await createHost({ module: returning({ abi: '0_2_100', headers: '(i32.const 1)', body: '(select (i32.const 0) (i32.const 1) (local.get $eos))' }) });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQUEST, false).action).toBe('StopIteration');
    expect(stream.sendRequestBody('abc', false).action).toBe('StopIterationAndBuffer');
    expect(stream.upstream.headers).toBeUndefined();
    expect(stream.sendRequestBody('de', true).action).toBe('Continue');
    expect(bodyCalls(host)).toEqual([
      [3, 0],
      [5, 1],
    ]);
    expect(stream.upstream.header(':path')).toBe('/p');
    expect(stream.upstream.text).toBe('abcde');
    expect(stream.upstream.ended).toBe(true);
  });

  it('clamps headers results above 4 to StopAllIterationAndWatermark (ref §2)', async () => {
    const host = await createHost({ module: returning({ headers: '(i32.const 7)' }) });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQUEST, true).action).toBe('StopAllIterationAndWatermark');
    expect(stream.upstream.headers).toBeUndefined();
  });

  it('treats headers result 2 (ContinueAndEndStream) as Continue (ref §2)', async () => {
    const host = await createHost({ module: returning({ headers: '(i32.const 2)' }) });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQUEST, false).action).toBe('Continue');
    expect(stream.upstream.ended).toBe(false);
    stream.sendRequestBody('still sent', true);
    expect(stream.upstream.text).toBe('still sent');
  });

  it('clamps body results above 3 to StopIterationNoBuffer and trailers above 1 to StopIteration (ref §2)', async () => {
    const host = await createHost({ module: returning({ body: '(i32.const 9)', trailers: '(i32.const 5)' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    expect(stream.sendRequestBody('dropped', false).action).toBe('StopIterationNoBuffer');
    expect(stream.sendRequestTrailers({ 'x-t': '1' }).action).toBe('StopIteration');
    expect(stream.upstream.chunks).toEqual([]);
    expect(stream.upstream.trailers).toBeUndefined();
  });

  it('holds the body behind a headers Pause and delivers it once after proxy_continue_stream(0) (ref §9)', async () => {
    const module = returning({
      imports: TICK_IMPORTS,
      headers: '(global.set $held (local.get $ctx)) (i32.const 1)',
      extra: PAUSE_UNTIL_TICK,
    });
    const host = await createHost({ module });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    expect(stream.sendRequestBody('abc', false)).toEqual({});
    stream.sendRequestBody('def', true);
    expect(bodyCalls(host)).toEqual([]);
    expect(stream.upstream.headers).toBeUndefined();
    expect(stream.upstream.chunks).toEqual([]);
    host.advanceTime(10);
    expect(new DataView(host.workers[0]!.memory.read(700, 4).buffer).getInt32(0, true)).toBe(0);
    expect(bodyCalls(host)).toEqual([[6, 1]]);
    expect(stream.upstream.header(':path')).toBe('/p');
    expect(stream.upstream.text).toBe('abcdef');
    expect(stream.upstream.ended).toBe(true);
  });

  it('answers 413 when a body held by headers StopAllIterationAndBuffer exceeds the buffer limit (ref §9)', async () => {
    const host = await createHost({ module: returning({ headers: '(i32.const 3)' }), bufferLimits: { request: 8 } });
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(REQUEST, false).action).toBe('StopAllIterationAndBuffer');
    stream.sendRequestBody('12345', false);
    expect(stream.client.headers).toBeUndefined();
    stream.sendRequestBody('67890', false);
    expect(stream.client.status).toBe(413);
    expect(stream.localReply?.details).toBe('request_payload_too_large');
    expect(stream.upstream.headers).toBeUndefined();
    expect(bodyCalls(host)).toEqual([]);
  });

  it('drops a chunk answered with StopIterationNoBuffer (ref §2)', async () => {
    const host = await createHost({ module: returning({ body: '(select (i32.const 0) (i32.const 3) (local.get $eos))' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('first', false);
    stream.sendRequestBody('second', true);
    expect(bodyCalls(host)).toEqual([
      [5, 0],
      [6, 1],
    ]);
    expect(stream.upstream.text).toBe('second');
    expect(stream.upstream.ended).toBe(true);
  });

  it('accumulates StopIterationAndBuffer data until a later chunk returns Continue (ref §2, §9 Envoy ≥1.33)', async () => {
    const host = await createHost({ module: returning({ body: '(select (i32.const 0) (i32.const 1) (local.get $eos))' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('abc', false);
    stream.sendRequestBody('de', false);
    expect(stream.upstream.chunks).toEqual([]);
    stream.sendRequestBody('f', true);
    expect(bodyCalls(host)).toEqual([
      [3, 0],
      [5, 0],
      [6, 1],
    ]);
    expect(stream.upstream.chunks.map((c) => new TextDecoder().decode(c))).toEqual(['abcdef']);
  });

  it('lags one chunk behind with bodySizes "lagging" (ref §9 Envoy ≤1.32)', async () => {
    const host = await createHost({ module: returning({ body: '(select (i32.const 0) (i32.const 1) (local.get $eos))' }), bodySizes: 'lagging' });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('abc', false);
    stream.sendRequestBody('de', false);
    stream.sendRequestBody('f', true);
    expect(bodyCalls(host)).toEqual([
      [3, 0],
      [3, 0],
      [5, 1],
    ]);
    expect(stream.upstream.text).toBe('abcdef');
  });

  it('holds StopIterationAndBuffer data until proxy_continue_stream(0), readable from the tick (ref §4, §9)', async () => {
    const module = returning({
      imports: [...TICK_IMPORTS, 'proxy_get_buffer_status'],
      body: '(global.set $held (local.get $ctx)) (i32.const 1)',
      extra: PAUSE_UNTIL_TICK.replace(
        '(drop (call $proxy_set_effective_context (global.get $held)))',
        '(drop (call $proxy_set_effective_context (global.get $held))) (drop (call $proxy_get_buffer_status (i32.const 0) (i32.const 704) (i32.const 708)))',
      ),
    });
    const host = await createHost({ module });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('hello ', false);
    stream.sendRequestBody('world', true);
    expect(stream.upstream.chunks).toEqual([]);
    expect(stream.upstream.ended).toBe(false);
    host.advanceTime(10);
    expect(new DataView(host.workers[0]!.memory.read(704, 4).buffer).getInt32(0, true)).toBe(11);
    expect(stream.upstream.text).toBe('hello world');
    expect(stream.upstream.ended).toBe(true);
  });

  it('holds StopIterationAndWatermark data but shows the plugin only the new chunk (ref §2)', async () => {
    const host = await createHost({ module: returning({ body: '(select (i32.const 0) (i32.const 2) (local.get $eos))' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    expect(stream.sendRequestBody('abc', false).action).toBe('StopIterationAndWatermark');
    expect(stream.upstream.chunks).toEqual([]);
    stream.sendRequestBody('de', true);
    expect(bodyCalls(host)).toEqual([
      [3, 0],
      [2, 1],
    ]);
    expect(stream.upstream.text).toBe('abcde');
  });
});
