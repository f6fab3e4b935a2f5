/**
 * Guest faults never take Node or other VMs down (reference §1 item 7, §4, §6, §8): a trap, a loop caught
 * by the callback watchdog, a stack overflow, memory exhaustion or a trap inside malloc fails only that VM;
 * its streams get Envoy's 503 `wasm_fail_stream` with an empty body (or pass through with failOpen), a
 * failed VM gets no further callbacks, and bad pointers are answered with InvalidMemoryAccess instead.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import { guest, type GuestSpec } from './support/wat.ts';

const REQUEST = { ':method': 'GET', ':path': '/', ':authority': 'a' };
const TRAP_REQUEST = { ...REQUEST, 'x-fault': '1' };

/** A guest that runs `fault` in on_request_headers when the request carries `x-fault`, and logs every stream callback. */
function faulty(fault: string, more: Partial<GuestSpec> = {}, extra = ''): Uint8Array {
  const logged = (name: string, params: string, result: string) =>
    `  (func (export "${name}") (param ${params})${result ? ' (result i32)' : ''} (call $log (i32.const 2) (global.get $${name}) (global.get $${name}_len)) ${result})`;
  return guest({
    ...more,
    imports: ['proxy_log', 'proxy_get_header_map_value', ...(more.imports ?? [])],
    strings: {
      fault_header: 'x-fault',
      proxy_on_response_headers: 'proxy_on_response_headers',
      proxy_on_log: 'proxy_on_log',
      proxy_on_done: 'proxy_on_done',
      proxy_on_delete: 'proxy_on_delete',
      ...more.strings,
    },
    body: `
  (func $faulting (param $ctx i32) ${fault})
  (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
    (if (i32.eqz (call $proxy_get_header_map_value (i32.const 0) (global.get $fault_header) (global.get $fault_header_len) (i32.const 520) (i32.const 524)))
      (then (call $faulting (local.get $ctx))))
    (i32.const 0))
${logged('proxy_on_response_headers', 'i32 i32 i32', '(i32.const 0)')}
${logged('proxy_on_log', 'i32', '')}
${logged('proxy_on_done', 'i32', '(i32.const 1)')}
${logged('proxy_on_delete', 'i32', '')}
${extra}`,
  });
}

function roundTrip(host: Host, request: Record<string, string>, worker = 0) {
  const stream = host.newHttpStream(worker);
  stream.sendRequestHeaders(request, true);
  if (stream.upstream.ended && !stream.client.headers) {
    stream.sendResponseHeaders({ ':status': '200', 'content-type': 'text/plain' }, false);
    stream.sendResponseBody('from upstream', true);
  }
  return stream;
}

function expectWasmFailStream(stream: ReturnType<typeof roundTrip>) {
  expect(stream.client.status).toBe(503);
  expect(stream.localReply?.details).toBe('wasm_fail_stream');
  expect(stream.client.text).toBe('');
  expect(stream.client.ended).toBe(true);
  expect(stream.upstream.headers).toBeUndefined();
}

describe('guest faults', () => {
  it('answers a trap in on_request_headers with 503 wasm_fail_stream and logs the failing function (ref §1 item 7)', async () => {
    const host = await createHost({ module: faulty('(unreachable)') });
    const stream = roundTrip(host, TRAP_REQUEST);
    expectWasmFailStream(stream);
    expect(host.workers[0]!.failure).toBeDefined();
    expect(host.logs.hostMessages().some((m) => m.includes('proxy_on_request_headers') && /unreachable/i.test(m))).toBe(true);
  });

  it('never calls on_log/on_done/on_delete on a failed VM, and traces only the trapping callback (ref §1 item 7)', async () => {
    const host = await createHost({ module: faulty('(unreachable)') });
    const stream = roundTrip(host, TRAP_REQUEST);
    expect(stream.trace.map((t) => t.callback)).toEqual(['proxy_on_request_headers']);
    expect(stream.trace[0]!.result).toBeUndefined();
    expect(host.logs.messages()).toEqual([]);
  });

  it('keeps answering 503 on the failed VM while another worker VM keeps serving (ref §1 item 7)', async () => {
    const host = await createHost({ module: faulty('(unreachable)'), workers: 2 });
    expectWasmFailStream(roundTrip(host, TRAP_REQUEST, 0));
    const later = roundTrip(host, REQUEST, 0);
    expectWasmFailStream(later);
    expect(later.trace).toEqual([]);
    const other = roundTrip(host, REQUEST, 1);
    expect(other.client.status).toBe(200);
    expect(other.client.text).toBe('from upstream');
    expect(host.workers[1]!.failure).toBeUndefined();
    expect(host.logs.messages()).toEqual(['proxy_on_response_headers', 'proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
  });

  it('fails a stream already in flight on that VM with 503 when its response arrives (ref §1 item 7)', async () => {
    const host = await createHost({ module: faulty('(unreachable)') });
    const inFlight = host.newHttpStream();
    inFlight.sendRequestHeaders(REQUEST, true);
    expect(inFlight.upstream.ended).toBe(true);
    roundTrip(host, TRAP_REQUEST);
    inFlight.sendResponseHeaders({ ':status': '200' }, false);
    inFlight.sendResponseBody('never shown', true);
    expect(inFlight.client.status).toBe(503);
    expect(inFlight.localReply?.details).toBe('wasm_fail_stream');
    expect(inFlight.client.text).toBe('');
    expect(host.logs.messages()).toEqual([]);
  });

  it('with failOpen forwards the request unchanged and passes the response (ref §1 item 7)', async () => {
    const host = await createHost({ module: faulty('(unreachable)'), failOpen: true, envoyRequestHeaders: false });
    const stream = roundTrip(host, TRAP_REQUEST);
    expect(host.workers[0]!.failure).toBeDefined();
    expect(stream.upstream.headers).toEqual(Object.entries(TRAP_REQUEST));
    expect(stream.client.status).toBe(200);
    expect(stream.client.text).toBe('from upstream');
    const later = roundTrip(host, REQUEST);
    expect(later.client.text).toBe('from upstream');
    expect(later.localReply).toBeUndefined();
    expect(host.logs.messages()).toEqual([]);
  });

  it('stops an infinite loop with callbackTimeoutMs and fails only that VM (ref §1 item 7)', async () => {
    const host = await createHost({ module: faulty('(loop $forever (br $forever))'), callbackTimeoutMs: 200, workers: 2 });
    expectWasmFailStream(roundTrip(host, TRAP_REQUEST, 0));
    expect(host.workers[0]!.failure?.callback).toBe('proxy_on_request_headers');
    expect(host.workers[0]!.failure?.reason).toMatch(/did not return within 200 ms/);
    expect(roundTrip(host, REQUEST, 1).client.status).toBe(200);
  });

  it('turns unbounded recursion (stack overflow) into a VM failure (ref §1 item 7)', async () => {
    const host = await createHost({
      module: faulty('(drop (call $recurse (local.get $ctx)))', {}, '  (func $recurse (param $n i32) (result i32) (i32.add (call $recurse (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))'),
    });
    expectWasmFailStream(roundTrip(host, TRAP_REQUEST));
    expect(host.workers[0]!.failure?.reason).toMatch(/call stack/i);
  });

  it('fails only the VM that grows memory until memory.grow fails and then traps (ref §8)', async () => {
    const host = await createHost({
      module: faulty('(loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 64)) (i32.const -1)))) (unreachable)'),
      maxMemoryPages: 1024,
      workers: 2,
    });
    expectWasmFailStream(roundTrip(host, TRAP_REQUEST, 0));
    expect(host.workers[0]!.memory.pages).toBeGreaterThan(1024 - 64);
    expect(host.workers[0]!.memory.pages).toBeLessThanOrEqual(1024);
    expect(roundTrip(host, REQUEST, 1).client.status).toBe(200);
  });

  it('answers garbage pointers with InvalidMemoryAccess and keeps serving (ref §4, §6)', async () => {
    const host = await createHost({
      module: faulty(
        `(i32.store (i32.const 600) (call $proxy_log (i32.const 2) (i32.const -16) (i32.const 64)))
    (i32.store (i32.const 604) (call $proxy_get_header_map_value (i32.const 0) (global.get $fault_header) (global.get $fault_header_len) (i32.const -4) (i32.const 524)))
    (i32.store (i32.const 608) (call $proxy_get_header_map_value (i32.const 0) (i32.const 0x7ffffff0) (i32.const 16) (i32.const 520) (i32.const 524)))`,
      ),
    });
    const stream = roundTrip(host, TRAP_REQUEST);
    const view = new DataView(host.workers[0]!.memory.read(600, 12).buffer);
    expect([0, 4, 8].map((o) => view.getInt32(o, true))).toEqual([6, 6, 6]);
    expect(host.workers[0]!.failure).toBeUndefined();
    expect(stream.client.status).toBe(200);
    expect(roundTrip(host, REQUEST).client.status).toBe(200);
  });

  it('answers InvalidMemoryAccess when malloc returns a pointer outside memory (ref §6)', async () => {
    const module = guest({
      imports: ['proxy_get_header_map_value'],
      allocator: 'none',
      strings: { path: ':path' },
      body: `
  (func (export "malloc") (param i32) (result i32) (i32.const -64))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (i32.store (i32.const 600) (call $proxy_get_header_map_value (i32.const 0) (global.get $path) (global.get $path_len) (i32.const 520) (i32.const 524)))
    (i32.const 0))`,
    });
    const host = await createHost({ module });
    const stream = roundTrip(host, REQUEST);
    expect(new DataView(host.workers[0]!.memory.read(600, 4).buffer).getInt32(0, true)).toBe(6);
    expect(host.workers[0]!.failure).toBeUndefined();
    expect(stream.client.status).toBe(200);
  });

  it('fails the VM when malloc traps inside a host call (ref §1 item 7, §6)', async () => {
    const module = guest({
      imports: ['proxy_get_header_map_value'],
      allocator: 'none',
      strings: { path: ':path' },
      body: `
  (func (export "malloc") (param i32) (result i32) (unreachable))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $proxy_get_header_map_value (i32.const 0) (global.get $path) (global.get $path_len) (i32.const 520) (i32.const 524)))
    (i32.const 0))`,
    });
    const host = await createHost({ module, workers: 2 });
    expectWasmFailStream(roundTrip(host, REQUEST, 0));
    expect(host.workers[0]!.failure?.callback).toBe('malloc');
    expect(host.workers[1]!.failure).toBeUndefined();
  });

  it('resets a stream whose VM fails after the response headers went out (ref §1 item 7)', async () => {
    const module = guest({
      body: `
  (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) (unreachable))`,
    });
    const host = await createHost({ module });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('boom', true);
    expect(stream.client.status).toBe(200);
    expect(stream.client.reset).toBeDefined();
    expect(stream.client.text).toBe('');
  });
});
