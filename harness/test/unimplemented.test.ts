/**
 * Host functions the harness links but does not carry out (reference §4): every gRPC call answers
 * Unimplemented (12) with one host log line naming it, and an unknown foreign function is NotFound.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { guest } from './support/wat.ts';
import { workerSlot } from './support/memory.ts';

const calls = guest({
  imports: ['proxy_grpc_call', 'proxy_grpc_stream', 'proxy_grpc_send', 'proxy_grpc_cancel', 'proxy_grpc_close', 'proxy_call_foreign_function'],
  strings: { cluster: 'grpc-backend', service: 'pkg.Service', method: 'Call', message: 'msg', fn: 'no_such_function' },
  body: `
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (i32.store (i32.const 768) (call $proxy_grpc_call (global.get $cluster) (global.get $cluster_len) (global.get $service) (global.get $service_len)
      (global.get $method) (global.get $method_len) (i32.const 0) (i32.const 0) (global.get $message) (global.get $message_len) (i32.const 1000) (i32.const 512)))
    (i32.store (i32.const 772) (call $proxy_grpc_stream (global.get $cluster) (global.get $cluster_len) (global.get $service) (global.get $service_len)
      (global.get $method) (global.get $method_len) (i32.const 0) (i32.const 0) (i32.const 512)))
    (i32.store (i32.const 776) (call $proxy_grpc_send (i32.const 5) (global.get $message) (global.get $message_len) (i32.const 0)))
    (i32.store (i32.const 780) (call $proxy_grpc_cancel (i32.const 5)))
    (i32.store (i32.const 784) (call $proxy_grpc_close (i32.const 5)))
    (i32.store (i32.const 788) (call $proxy_call_foreign_function (global.get $fn) (global.get $fn_len) (i32.const 0) (i32.const 0) (i32.const 512) (i32.const 516)))
    (i32.const 0))`,
});

const GRPC = ['proxy_grpc_call', 'proxy_grpc_stream', 'proxy_grpc_send', 'proxy_grpc_cancel', 'proxy_grpc_close'];

async function run(): Promise<Host> {
  const host = await createHost({ module: calls });
  host.newHttpStream().sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
  return host;
}

describe('unimplemented host functions (ref §4)', () => {
  it('answers Unimplemented to every gRPC call (ref §4)', async () => {
    const host = await run();
    expect([0, 1, 2, 3, 4].map((i) => workerSlot(host, i))).toEqual([12, 12, 12, 12, 12]);
  });

  it('logs one host line per gRPC call naming the function (ref §4)', async () => {
    const host = await run();
    const lines = host.logs.hostMessages().filter((m) => m.includes('grpc'));
    expect(lines).toHaveLength(GRPC.length);
    GRPC.forEach((name, i) => expect(lines[i]).toMatch(new RegExp(`\\b${name}\\b.*Unimplemented`)));
    expect(host.logs.messages()).toEqual([]);
  });

  it('answers NotFound to an unknown foreign function and says so once (ref §4 proxy_call_foreign_function)', async () => {
    const host = await run();
    expect(workerSlot(host, 5)).toBe(1);
    expect(host.logs.hostMessages().filter((m) => m.includes('no_such_function'))).toHaveLength(1);
  });
});
