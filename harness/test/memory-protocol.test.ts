/**
 * The guest memory protocol (reference §2, §6): range checks on every pointer (InvalidMemoryAccess, never
 * a crash), results handed over in blocks from the guest's own allocator with exact sizes, no allocation
 * for empty results, a failing allocator, allocator preference, and memory growth inside a hostcall.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import type { HostOptions } from '../src/options.ts';
import { decodePairs, encodePairs } from '../src/codec/pairs.ts';
import type { GuestSpec } from './support/wat.ts';
import { get, pairs as getPairs, op, records as outs, recorderGuest, s, v, type Callbacks } from './support/recorder.ts';

const IMPORTS = [
  'proxy_get_header_map_value', 'proxy_get_header_map_pairs', 'proxy_get_header_map_size', 'proxy_add_header_map_value',
  'proxy_replace_header_map_value', 'proxy_remove_header_map_value', 'proxy_set_header_map_pairs', 'proxy_get_property',
  'proxy_set_property', 'proxy_get_buffer_bytes', 'proxy_get_buffer_status', 'proxy_set_buffer_bytes',
];
const COUNTING_MALLOC = `
  (func (export "malloc") (param $size i32) (result i32)
    (i32.store (i32.const 32760) (i32.add (i32.load (i32.const 32760)) (i32.const 1)))
    (i32.store (i32.const 32756) (local.get $size))
    (call $alloc (local.get $size)))`;

const STRINGS = { path: ':path', v: 'x-v', empty: 'x-empty', big: 'x-big', name: 'plugin_name', route: 'xds\0route_name', x: 'x' };
type Spec = Partial<GuestSpec> & { callbacks: Callbacks };

function plugin({ callbacks, body = '', ...spec }: Spec): Uint8Array {
  return recorderGuest(callbacks, { imports: IMPORTS, strings: STRINGS, ...spec, body });
}

const getValue = (key: string, p?: number | string, q?: number | string) => get(0, key, p, q);
const getProperty = (path: string, p: number | string = 512, q: number | string = 516) =>
  op(`(call $proxy_get_property ${s(path)} ${v(p)} ${v(q)})`);
const getBytes = (start: number, p: number | string = 512, q: number | string = 516) =>
  op(`(call $proxy_get_buffer_bytes (i32.const 0) (i32.const ${start}) (i32.const 100) ${v(p)} ${v(q)})`);

const mallocCalls = (host: Host) => {
  const view = new DataView(host.workers[0]!.memory.read(32756, 8).buffer);
  return { count: view.getUint32(4, true), lastSize: view.getUint32(0, true) };
};
const heapTop = (host: Host) => host.workers[0]!.exports.heap_top!() as number;
const REQ = { ':method': 'POST', ':path': '/a', ':authority': 'h', 'x-v': 'abcdef', 'x-empty': '' };
const END = 2 * 65536;
const BAD = [0xfffffff0, END - 2, END];

async function run(spec: Spec, options: Partial<HostOptions> = {}, headers: Record<string, string> = REQ) {
  const host = await createHost({ module: plugin(spec), envoyRequestHeaders: false, ...options });
  const stream = host.newHttpStream();
  stream.sendRequestHeaders(headers, false);
  stream.sendRequestBody('hello', true);
  return { host, stream };
}

describe('pointer checks', () => {
  it('every out-parameter outside linear memory gives InvalidMemoryAccess, and the stream goes on (ref §4, §6)', async () => {
    const headerCalls = BAD.flatMap((bad) => [
      getValue('path', bad), getValue('path', 512, bad), getPairs(0, bad), getPairs(0, 512, bad),
      op(`(call $proxy_get_header_map_size (i32.const 0) (i32.const ${bad}))`), getProperty('name', bad), getProperty('name', 512, bad),
    ]);
    const bodyCalls = BAD.flatMap((bad) => [
      getBytes(0, bad), getBytes(0, 512, bad),
      op(`(call $proxy_get_buffer_status (i32.const 0) (i32.const ${bad}) (i32.const 516))`),
      op(`(call $proxy_get_buffer_status (i32.const 0) (i32.const 512) (i32.const ${bad}))`),
    ]);
    const { host, stream } = await run({
      callbacks: {
        proxy_on_request_headers: `${headerCalls.join(' ')} (i32.const 0)`,
        proxy_on_request_body: `${bodyCalls.join(' ')} ${getBytes(0)} (i32.const 0)`,
      },
    });
    const statuses = outs(host).map((o) => o.status);
    expect(statuses).toEqual([...Array(headerCalls.length + bodyCalls.length).fill(6), 0]);
    expect(stream.upstream.header(':path')).toBe('/a');
    expect(stream.upstream.text).toBe('hello');
    expect(host.workers[0]!.failure).toBeUndefined();
  });

  it('an input pointer or size outside linear memory gives InvalidMemoryAccess (ref §4, §6)', async () => {
    const bad = `(i32.const ${END - 1}) (i32.const 2)`;
    const huge = '(i32.const 1024) (i32.const -1)';
    const calls = [
      op(`(call $proxy_get_header_map_value (i32.const 0) ${bad} (i32.const 512) (i32.const 516))`),
      op(`(call $proxy_get_header_map_value (i32.const 0) ${huge} (i32.const 512) (i32.const 516))`),
      op(`(call $proxy_add_header_map_value (i32.const 0) ${bad} ${s('x')})`),
      op(`(call $proxy_add_header_map_value (i32.const 0) ${s('x')} ${bad})`),
      op(`(call $proxy_replace_header_map_value (i32.const 0) ${s('x')} ${huge})`),
      op(`(call $proxy_remove_header_map_value (i32.const 0) ${bad})`),
      op(`(call $proxy_set_header_map_pairs (i32.const 0) ${bad})`),
      op(`(call $proxy_get_property ${bad} (i32.const 512) (i32.const 516))`),
      op(`(call $proxy_set_property ${s('x')} ${huge})`),
    ];
    const { host, stream } = await run({
      callbacks: {
        proxy_on_request_headers: `${calls.join(' ')} (i32.const 0)`,
        proxy_on_request_body: `${op(`(call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 0) ${bad})`)} (i32.const 0)`,
      },
    });
    expect(outs(host).map((o) => o.status)).toEqual(Array(calls.length + 1).fill(6));
    expect(stream.upstream.headers).toEqual(Object.entries(REQ));
    expect(stream.upstream.text).toBe('hello');
  });
});

describe('allocation', () => {
  it('a malloc that returns 0 makes the hostcall answer InvalidMemoryAccess (ref §6)', async () => {
    const { host, stream } = await run({
      allocator: 'returns-zero',
      callbacks: {
        proxy_on_request_headers: `${getValue('v')} ${getPairs(0)} ${getProperty('name')} ${getValue('empty')} (i32.const 0)`,
        proxy_on_request_body: `${getBytes(0)} (i32.const 0)`,
      },
    });
    expect(outs(host).map((o) => o.status)).toEqual([6, 6, 6, 0, 6]);
    expect(outs(host)[3]).toEqual({ status: 0, ptr: 0, size: 0 });
    expect(stream.upstream.text).toBe('hello');
  });

  it('empty results are written as ptr 0, size 0 without calling malloc (ref §6)', async () => {
    const { host } = await run(
      {
        allocator: 'none',
        body: COUNTING_MALLOC,
        callbacks: {
          proxy_on_request_headers: `${getValue('empty')} ${getPairs(1)} ${getProperty('route')} (i32.const 0)`,
          proxy_on_request_body: `${getBytes(5)} ${getBytes(99)} (i32.const 0)`,
        },
      },
      { properties: { 'xds.route_name': '' } },
    );
    expect(outs(host)).toEqual(Array(5).fill({ status: 0, ptr: 0, size: 0 }));
    expect(mallocCalls(host).count).toBe(0);
    expect(heapTop(host)).toBe(65536);
  });

  it('the returned block holds exactly the bytes and the size out-param matches (ref §6)', async () => {
    const { host } = await run({ allocator: 'none', body: COUNTING_MALLOC, callbacks: { proxy_on_request_headers: `${getValue('v')} (i32.const 0)` } });
    const [value] = outs(host);
    expect(mallocCalls(host)).toEqual({ count: 1, lastSize: 6 });
    expect(value).toEqual({ status: 0, ptr: 65536, size: 6 });
    expect(host.workers[0]!.memory.readString(value!.ptr, value!.size)).toBe('abcdef');
  });

  it('serialized pairs are handed over in one block of exactly their encoded size (ref §5, §6)', async () => {
    const { host } = await run({ allocator: 'none', body: COUNTING_MALLOC, callbacks: { proxy_on_request_headers: `${getPairs(0)} (i32.const 0)` } });
    const [block] = outs(host);
    const expected = encodePairs(Object.entries(REQ));
    expect(mallocCalls(host)).toEqual({ count: 1, lastSize: expected.length });
    expect(block!.size).toBe(expected.length);
    expect(decodePairs(host.workers[0]!.memory.read(block!.ptr, block!.size))).toEqual(Object.entries(REQ));
  });

  it('malloc may grow memory inside a hostcall; the host writes into the grown memory (ref §6)', async () => {
    const big = 'x'.repeat(300_000);
    const { host, stream } = await run({ callbacks: { proxy_on_request_headers: `${getValue('big')} (i32.const 0)` } }, {}, { ...REQ, 'x-big': big });
    const [value] = outs(host);
    const mem = host.workers[0]!.memory;
    expect(value!.status).toBe(0);
    expect(value!.size).toBe(big.length);
    expect(mem.pages).toBeGreaterThan(2);
    expect(mem.readString(value!.ptr, value!.size)).toBe(big);
    expect(stream.upstream.header('x-big')).toBe(big);
  });

  it('uses malloc before proxy_on_memory_allocate, and proxy_on_memory_allocate alone (ref §2)', async () => {
    const zeroAllocate = '(func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 0))';
    const callbacks = { proxy_on_request_headers: `${getValue('v')} (i32.const 0)` };
    const both = await run({ body: zeroAllocate, callbacks });
    const only = await run({ allocator: 'proxy_on_memory_allocate', callbacks });
    for (const { host } of [both, only]) {
      const [value] = outs(host);
      expect(value!.status).toBe(0);
      expect(host.workers[0]!.memory.readString(value!.ptr, value!.size)).toBe('abcdef');
    }
  });
});
