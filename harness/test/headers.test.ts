/**
 * Header and trailer maps through the ABI (reference §4, §5, §9): first-value and case-insensitive reads,
 * add/replace/remove as Envoy's header map does them, byte size, set/get of serialized pairs (including
 * the malformed-pairs quirk), which map exists in which callback, and root contexts without headers.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import { decodePairs, encodePairs } from '../src/codec/pairs.ts';
import {
  add, get, outs, pairs, record, recorderGuest, remove, replace, setPairs, size, statusAndText, type Callbacks,
} from './support/recorder.ts';

const IMPORTS = [
  'proxy_log', 'proxy_get_header_map_value', 'proxy_add_header_map_value', 'proxy_replace_header_map_value',
  'proxy_remove_header_map_value', 'proxy_get_header_map_pairs', 'proxy_set_header_map_pairs',
  'proxy_get_header_map_size', 'proxy_set_tick_period_milliseconds',
];

function plugin(callbacks: Callbacks, strings: Record<string, string>): Uint8Array {
  return recorderGuest(callbacks, { imports: IMPORTS, strings });
}

const heap = record('(call $heap_top)');
const bin = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const REQ = { ':method': 'GET', ':path': '/a', ':authority': 'h' };

describe('header map reads and writes', () => {
  it('reads a value case-insensitively, first value only, NotFound for a missing key (ref §4)', async () => {
    const host = await createHost({
      module: plugin(
        { proxy_on_request_headers: `${get(0, 'foo')} ${get(0, 'dup')} ${get(0, 'missing')} (i32.const 0)` },
        { foo: 'X-FOO', dup: 'x-dup', missing: 'x-missing' },
      ),
    });
    host.newHttpStream().sendRequestHeaders([...Object.entries(REQ), ['X-Foo', 'bar'], ['x-dup', 'one'], ['x-dup', 'two']], true);
    expect(statusAndText(host)).toEqual([[0, 'bar'], [0, 'one'], [1, undefined]]);
  });

  it('add appends a duplicate under the lower-cased key (ref §4)', async () => {
    const host = await createHost({
      module: plugin({ proxy_on_request_headers: `${add(0, 'k', 'v')} (i32.const 0)` }, { k: 'X-Dup', v: 'three' }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders([...Object.entries(REQ), ['x-dup', 'one'], ['x-dup', 'two']], true);
    expect(outs(host).map((o) => o.status)).toEqual([0]);
    expect(stream.upstream.headers!.filter(([k]) => k.toLowerCase() === 'x-dup')).toEqual([
      ['x-dup', 'one'], ['x-dup', 'two'], ['x-dup', 'three'],
    ]);
  });

  it('replace drops every value and appends one; a missing key is added (ref §4, Envoy setCopy)', async () => {
    const host = await createHost({
      module: plugin(
        { proxy_on_request_headers: `${replace(0, 'rep', 'v')} ${replace(0, 'fresh', 'v')} (i32.const 0)` },
        { rep: 'X-Rep', fresh: 'x-fresh', v: 'new' },
      ),
      envoyRequestHeaders: false,
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders([...Object.entries(REQ), ['x-rep', 'old1'], ['x-z', 'z'], ['x-rep', 'old2']], true);
    expect(outs(host).map((o) => o.status)).toEqual([0, 0]);
    expect(stream.upstream.headers!.slice(3)).toEqual([['x-z', 'z'], ['x-rep', 'new'], ['x-fresh', 'new']]);
  });

  it('remove deletes every value and is Ok for an absent key (ref §4)', async () => {
    const host = await createHost({
      module: plugin({ proxy_on_request_headers: `${remove(0, 'gone')} ${remove(0, 'absent')} (i32.const 0)` }, { gone: 'X-Gone', absent: 'x-absent' }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders([...Object.entries(REQ), ['x-gone', '1'], ['x-gone', '2']], true);
    expect(outs(host).map((o) => o.status)).toEqual([0, 0]);
    expect(stream.upstream.header('x-gone')).toBeUndefined();
    expect(stream.upstream.header(':path')).toBe('/a');
  });

  it('get_header_map_size reports the byte size of keys and values, not the count (ref §4)', async () => {
    const host = await createHost({ module: plugin({ proxy_on_request_headers: `${size(0)} (i32.const 0)` }, {}), envoyRequestHeaders: false });
    host.newHttpStream().sendRequestHeaders({ ...REQ, 'x-k': 'vv' }, true);
    const bytes = ':method'.length + 3 + ':path'.length + 2 + ':authority'.length + 1 + 3 + 2;
    expect(outs(host).map((o) => [o.status, o.ptr])).toEqual([[0, bytes]]);
  });

  it('answers BadArgument for map type 8 in every header call (ref §3, §4)', async () => {
    const calls = [get(8, 'k'), add(8, 'k', 'k'), replace(8, 'k', 'k'), remove(8, 'k'), pairs(8), setPairs(8, 'k'), size(8)];
    const host = await createHost({ module: plugin({ proxy_on_request_headers: `${calls.join(' ')} (i32.const 0)` }, { k: 'x' }) });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(outs(host).map((o) => o.status)).toEqual([2, 2, 2, 2, 2, 2, 2]);
  });
});

describe('serialized pairs through the ABI', () => {
  it('get_header_map_pairs returns every header in order as one allocated block (ref §4, §5)', async () => {
    const host = await createHost({ module: plugin({ proxy_on_request_headers: `${pairs(0)} (i32.const 0)` }, {}), envoyRequestHeaders: false });
    host.newHttpStream().sendRequestHeaders([...Object.entries(REQ), ['x-dup', '1'], ['x-dup', '2']], true);
    const [o] = outs(host);
    expect(o!.status).toBe(0);
    expect(decodePairs(host.workers[0]!.memory.read(o!.ptr, o!.size))).toEqual([...Object.entries(REQ), ['x-dup', '1'], ['x-dup', '2']]);
  });

  it('set_header_map_pairs replaces the map, lower-cases keys and keeps pseudo-headers first (ref §4, §5)', async () => {
    const data = bin(encodePairs([['X-New', '1'], [':path', '/p'], [':method', 'PUT'], [':authority', 'h2']]));
    const host = await createHost({ module: plugin({ proxy_on_request_headers: `${setPairs(0, 'data')} (i32.const 0)` }, { data }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ...REQ, 'x-old': 'gone' }, true);
    expect(outs(host).map((o) => o.status)).toEqual([0]);
    expect(stream.upstream.headers).toEqual([[':path', '/p'], [':method', 'PUT'], [':authority', 'h2'], ['x-new', '1']]);
  });

  it('malformed pairs given to set_header_map_pairs clear every header, returning Ok (ref §5 Envoy quirk)', async () => {
    const broken = encodePairs([['x-a', '1']]);
    broken[broken.length - 1] = 0x21;
    const host = await createHost({
      module: plugin({ proxy_on_request_headers: `${setPairs(0, 'data')} ${pairs(0)} ${size(0)} (i32.const 0)` }, { data: bin(broken) }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    expect(outs(host).map((o) => [o.status, o.ptr])).toEqual([[0, 0xffffffff], [0, 0], [0, 0]]);
    expect(outs(host)[1]!.size).toBe(0);
    expect(stream.upstream.headers).toEqual([]);
  });

  it('an absent or empty map gives ptr 0, size 0 without calling malloc (ref §5, §6)', async () => {
    const twice = `${heap} ${pairs(1)} ${heap} (i32.const 0)`;
    const host = await createHost({ module: plugin({ proxy_on_request_headers: twice, proxy_on_request_trailers: twice }, {}) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, false);
    stream.sendRequestTrailers({});
    const [h1, absent, h2, h3, empty, h4] = outs(host);
    expect([absent, empty].map((o) => [o!.status, o!.ptr, o!.size])).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect([h2!.status, h4!.status]).toEqual([h1!.status, h3!.status]);
  });
});

describe('which map exists when', () => {
  it('response headers exist in response callbacks only; request headers are gone by then (ref §4, §9)', async () => {
    const host = await createHost({
      module: plugin(
        {
          proxy_on_request_headers: `${get(2, 'status')} (i32.const 0)`,
          proxy_on_response_headers: `${get(2, 'status')} ${add(2, 'k', 'v')} ${get(0, 'path')} (i32.const 0)`,
        },
        { status: ':status', path: ':path', k: 'x-resp', v: 'yes' },
      ),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '200' }, true);
    expect(statusAndText(host)).toEqual([[2, undefined], [0, '200'], [0, undefined], [2, undefined]]);
    expect(stream.client.header('x-resp')).toBe('yes');
  });

  it('trailer maps exist only during the trailers callbacks (ref §4, §9)', async () => {
    const host = await createHost({
      module: plugin(
        {
          proxy_on_request_headers: `${get(1, 't')} (i32.const 0)`,
          proxy_on_request_body: `${get(1, 't')} ${add(1, 't2', 'v')} (i32.const 0)`,
          proxy_on_request_trailers: `${get(1, 't')} ${add(1, 't2', 'v')} (i32.const 0)`,
          proxy_on_response_trailers: `${get(3, 'rt')} ${get(1, 't')} ${replace(3, 'rt', 'v')} (i32.const 0)`,
        },
        { t: 'x-t', t2: 'x-t2', rt: 'x-rt', v: 'added' },
      ),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, false);
    stream.sendRequestBody('abc', false);
    stream.sendRequestTrailers({ 'x-t': 'tv' });
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseTrailers({ 'x-rt': 'rv' });
    expect(statusAndText(host)).toEqual([
      [2, undefined], [2, undefined], [2, undefined], [0, 'tv'], [0, undefined], [0, 'rv'], [2, undefined], [0, undefined],
    ]);
    expect(stream.upstream.trailers).toEqual([['x-t', 'tv'], ['x-t2', 'added']]);
    expect(stream.client.trailers).toEqual([['x-rt', 'added']]);
  });

  it('writing the request trailers in the end-of-stream body callback creates them (ref §4, Envoy getMap)', async () => {
    const host = await createHost({
      module: plugin({ proxy_on_request_body: `${add(1, 't', 'v')} ${get(1, 't')} (i32.const 0)` }, { t: 'x-t', v: 'added' }),
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, false);
    stream.sendRequestBody('abc', true);
    expect(statusAndText(host)).toEqual([[0, undefined], [0, 'added']]);
    expect(stream.upstream.text).toBe('abc');
    expect(stream.upstream.trailers).toEqual([['x-t', 'added']]);
  });

  it('a root context has no request headers: BadArgument for values, Ok and empty pairs (ref §4)', async () => {
    const probe = `${get(0, 'path')} ${pairs(0)} ${add(0, 'path', 'path')} ${size(0)}`;
    const host = await createHost({
      module: plugin(
        {
          proxy_on_vm_start: '(drop (call $proxy_set_tick_period_milliseconds (i32.const 1000))) (i32.const 1)',
          proxy_on_configure: `${probe} (i32.const 1)`,
          proxy_on_tick: probe,
        },
        { path: ':path' },
      ),
    });
    host.newHttpStream().sendRequestHeaders(REQ, false);
    host.advanceTime(1000);
    const expected = [[2, 0xffffffff, 0xffffffff], [0, 0, 0], [2, 0xffffffff, 0xffffffff], [2, 0xffffffff, 0xffffffff]];
    expect(outs(host).map((o) => [o.status, o.ptr, o.size])).toEqual([...expected, ...expected]);
  });
});
