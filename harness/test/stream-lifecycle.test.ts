/**
 * HTTP stream lifecycle as Envoy drives it (reference §9): lazy context creation with the root as parent,
 * callback order and arguments for bodies, bodyless requests, trailers and empty final chunks, on_log →
 * on_done → on_delete, per-VM context ids that are never reused, and the trace matching what the guest saw.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import { guest } from './support/wat.ts';

const RECORDS = 32768;
const COUNT = 32764;
const NAMES = [
  '',
  'proxy_on_context_create',
  'proxy_on_request_headers',
  'proxy_on_request_body',
  'proxy_on_request_trailers',
  'proxy_on_response_headers',
  'proxy_on_response_body',
  'proxy_on_response_trailers',
  'proxy_on_log',
  'proxy_on_done',
  'proxy_on_delete',
];
const ARITY: Record<string, number> = { proxy_on_context_create: 2, proxy_on_log: 1, proxy_on_done: 1, proxy_on_delete: 1 };

function recorder(extra = '', imports: string[] = []): Uint8Array {
  const callbacks = NAMES.slice(1).map((name, i) => {
    const arity = ARITY[name] ?? (name.endsWith('trailers') ? 2 : 3);
    const params = Array.from({ length: arity }, () => 'i32').join(' ');
    const args = Array.from({ length: 3 }, (_, j) => (j < arity ? `(local.get ${j})` : '(i32.const -1)')).join(' ');
    const voidResult = name === 'proxy_on_context_create' || name === 'proxy_on_log' || name === 'proxy_on_delete';
    const result = voidResult ? '' : ' (result i32)';
    const ret = voidResult ? '' : name === 'proxy_on_done' ? ' (i32.const 1)' : ' (i32.const 0)';
    return `  (func (export "${name}") (param ${params})${result} (call $rec (i32.const ${i + 1}) ${args})${ret})`;
  });
  return guest({
    imports,
    body: `
  (global $n (mut i32) (i32.const 0))
  (func $rec (param $code i32) (param $a i32) (param $b i32) (param $c i32)
    (local $p i32)
    (local.set $p (i32.add (i32.const ${RECORDS}) (i32.shl (global.get $n) (i32.const 4))))
    (i32.store (local.get $p) (local.get $code))
    (i32.store offset=4 (local.get $p) (local.get $a))
    (i32.store offset=8 (local.get $p) (local.get $b))
    (i32.store offset=12 (local.get $p) (local.get $c))
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store (i32.const ${COUNT}) (global.get $n)))
${callbacks.join('\n')}
${extra}`,
  });
}

interface Seen {
  callback: string;
  args: number[];
}

function seenByGuest(host: Host, worker = 0): Seen[] {
  const mem = host.workers[worker]!.memory;
  const count = new DataView(mem.read(COUNT, 4).buffer).getInt32(0, true);
  const view = new DataView(mem.read(RECORDS, count * 16).buffer);
  const out: Seen[] = [];
  for (let i = 0; i < count; i++) {
    const callback = NAMES[view.getInt32(i * 16, true)]!;
    const args = [1, 2, 3].map((k) => view.getInt32(i * 16 + k * 4, true)).slice(0, ARITY[callback] ?? (callback.endsWith('trailers') ? 2 : 3));
    out.push({ callback, args });
  }
  return out;
}

const forStream = (seen: Seen[], id: number) => seen.filter((s) => s.args[0] === id);
const traced = (trace: Array<{ callback: string; args: number[] }>) => trace.map(({ callback, args }) => ({ callback, args }));
const REQUEST = { ':method': 'POST', ':path': '/upload', ':authority': 'example.com' };

describe('HTTP stream lifecycle', () => {
  it('creates the stream context lazily at request headers, with the root id as parent (ref §9)', async () => {
    const host = await createHost({ module: recorder(), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    expect(seenByGuest(host)).toEqual([{ callback: 'proxy_on_context_create', args: [1, 0] }]);
    stream.sendRequestHeaders(REQUEST, true);
    expect(seenByGuest(host).slice(1, 3)).toEqual([
      { callback: 'proxy_on_context_create', args: [2, 1] },
      { callback: 'proxy_on_request_headers', args: [2, 3, 1] },
    ]);
  });

  it('calls headers, body…, response headers, body…, then on_log, on_done, on_delete in order (ref §9)', async () => {
    const host = await createHost({ module: recorder(), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('ab', false);
    stream.sendRequestBody('cde', true);
    stream.sendResponseHeaders({ ':status': '200', 'content-type': 'text/plain' }, false);
    stream.sendResponseBody('wxyz', false);
    stream.sendResponseBody('!', true);
    const expected: Seen[] = [
      { callback: 'proxy_on_context_create', args: [2, 1] },
      { callback: 'proxy_on_request_headers', args: [2, 3, 0] },
      { callback: 'proxy_on_request_body', args: [2, 2, 0] },
      { callback: 'proxy_on_request_body', args: [2, 3, 1] },
      { callback: 'proxy_on_response_headers', args: [2, 2, 0] },
      { callback: 'proxy_on_response_body', args: [2, 4, 0] },
      { callback: 'proxy_on_response_body', args: [2, 1, 1] },
      { callback: 'proxy_on_log', args: [2] },
      { callback: 'proxy_on_done', args: [2] },
      { callback: 'proxy_on_delete', args: [2] },
    ];
    expect(forStream(seenByGuest(host), 2)).toEqual(expected);
    expect(traced(stream.trace)).toEqual(expected);
    expect(stream.upstream.text).toBe('abcde');
    expect(stream.client.text).toBe('wxyz!');
    expect(stream.client.ended).toBe(true);
  });

  it('records in the trace what each callback returned, and nothing for void callbacks (ref §2, §9)', async () => {
    const host = await createHost({ module: recorder(), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    stream.sendResponseHeaders({ ':status': '204' }, true);
    expect(stream.trace.map((t) => [t.callback, t.result])).toEqual([
      ['proxy_on_context_create', undefined],
      ['proxy_on_request_headers', 0],
      ['proxy_on_response_headers', 0],
      ['proxy_on_log', undefined],
      ['proxy_on_done', 1],
      ['proxy_on_delete', undefined],
    ]);
  });

  it('gives a bodyless request end_of_stream=1 on headers and no body callback (ref §9)', async () => {
    const host = await createHost({ module: recorder(), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
    expect(stream.upstream.ended).toBe(true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('ok', true);
    const names = forStream(seenByGuest(host), 2).map((s) => s.callback);
    expect(names).not.toContain('proxy_on_request_body');
    expect(forStream(seenByGuest(host), 2)[1]).toEqual({ callback: 'proxy_on_request_headers', args: [2, 3, 1] });
  });

  it('with trailers the last body call has end_of_stream=0 and on_*_trailers follows (ref §9)', async () => {
    const host = await createHost({ module: recorder(), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('grpc-frame', false);
    stream.sendRequestTrailers({ 'x-checksum': 'abc' });
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('reply', false);
    stream.sendResponseTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' });
    expect(forStream(seenByGuest(host), 2).slice(2, 7)).toEqual([
      { callback: 'proxy_on_request_body', args: [2, 10, 0] },
      { callback: 'proxy_on_request_trailers', args: [2, 1] },
      { callback: 'proxy_on_response_headers', args: [2, 1, 0] },
      { callback: 'proxy_on_response_body', args: [2, 5, 0] },
      { callback: 'proxy_on_response_trailers', args: [2, 2] },
    ]);
    expect(stream.upstream.trailers).toEqual([['x-checksum', 'abc']]);
    expect(stream.client.trailers).toEqual([
      ['grpc-status', '0'],
      ['grpc-message', 'ok'],
    ]);
  });

  it('delivers a zero-length final chunk as on_*_body(s, 0, 1) (ref §9)', async () => {
    const host = await createHost({ module: recorder(), envoyRequestHeaders: false });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('data', false);
    stream.sendRequestBody('', true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody(new Uint8Array(0), true);
    const bodies = forStream(seenByGuest(host), 2).filter((s) => s.callback.endsWith('_body'));
    expect(bodies).toEqual([
      { callback: 'proxy_on_request_body', args: [2, 4, 0] },
      { callback: 'proxy_on_request_body', args: [2, 0, 1] },
      { callback: 'proxy_on_response_body', args: [2, 0, 1] },
    ]);
    expect(stream.upstream.ended).toBe(true);
    expect(stream.client.ended).toBe(true);
  });

  it('numbers contexts per VM: root 1, streams 2, 3, … and never reuses an id (ref §9)', async () => {
    const host = await createHost({ module: recorder(), workers: 2, envoyRequestHeaders: false });
    const first = host.newHttpStream(0);
    const other = host.newHttpStream(1);
    first.sendRequestHeaders(REQUEST, true);
    first.sendResponseHeaders({ ':status': '200' }, true);
    const second = host.newHttpStream(0);
    second.sendRequestHeaders(REQUEST, true);
    other.sendRequestHeaders(REQUEST, true);
    expect([first.contextId, second.contextId, other.contextId]).toEqual([2, 3, 2]);
    const creates = (w: number) => seenByGuest(host, w).filter((s) => s.callback === 'proxy_on_context_create');
    expect(creates(0).map((s) => s.args)).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
    expect(creates(1).map((s) => s.args)).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });

  it('forgets a context after on_delete: proxy_set_effective_context(old id) is BadArgument (ref §4, §9)', async () => {
    const module = recorder(`
  (func (export "proxy_on_tick") (param $root i32)
    (i32.store (i32.const 600) (call $proxy_set_effective_context (i32.const 2)))
    (i32.store (i32.const 604) (call $proxy_set_effective_context (i32.const 3))))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1))`,
      ['proxy_set_effective_context', 'proxy_set_tick_period_milliseconds'],
    );
    const host = await createHost({ module, envoyRequestHeaders: false });
    const done = host.newHttpStream();
    done.sendRequestHeaders(REQUEST, true);
    done.sendResponseHeaders({ ':status': '200' }, true);
    const live = host.newHttpStream();
    live.sendRequestHeaders(REQUEST, true);
    host.advanceTime(10);
    const status = (addr: number) => new DataView(host.workers[0]!.memory.read(addr, 4).buffer).getInt32(0, true);
    expect(status(600)).toBe(2);
    expect(status(604)).toBe(0);
  });

  it('lists in the trace only the callbacks the module exports (ref §9)', async () => {
    const module = guest({
      body: `
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))`,
    });
    const host = await createHost({ module });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody('x', true);
    stream.sendResponseHeaders({ ':status': '200' }, true);
    expect(stream.trace.map((t) => t.callback)).toEqual(['proxy_on_request_headers']);
    expect(stream.upstream.text).toBe('x');
  });
});
