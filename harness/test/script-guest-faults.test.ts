/**
 * TS source mode when things go wrong: the glue's default results and log line for a throwing dispatcher,
 * start-time failures and restrictions the guest cannot swallow, the watchdog, and a linear memory that
 * stays the same size over many requests.
 */
import { describe, expect, it } from 'vitest';
import { Callback, HostFn } from '../../engine/glue-abi.ts';
import { createHost, PluginLoadError, type HostOptions } from '../src/index.ts';
import { base, request } from './support/script-plugin.ts';

describe('script guest (TS source mode): failures, limits and memory', () => {
  it('answers the callback default and logs the exception when the dispatcher throws; the VM lives on', async () => {
    const host = await createHost(base);
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders({ ...request, ':path': '/throw' }, true).action).toBe('Continue');
    expect(stream.upstream.header(':path')).toBe('/throw');
    const [line] = host.logs.messages('error');
    expect(line).toMatch(/^uncaught exception escaped the JS dispatcher: TypeError: boom in request headers\n\s+at .*test-plugin\.js/);
    expect(host.workers[0]!.failure).toBeUndefined();
    const next = host.newHttpStream();
    next.sendRequestHeaders(request, true);
    expect(next.upstream.header('x-plugin')).toBe('on');
  });

  it('gives each callback the glue default when the dispatcher throws (done = 1, others 0, void = undefined)', async () => {
    const source = `globalThis.__proxy_dispatch = (kind) => { if (kind > 2) throw 'always ' + kind; return 1; };`;
    const host = await createHost({ script: { source }, canary: false });
    const vm = host.workers[0]!;
    const root = vm.root!.id;
    expect(vm.callResult('proxy_on_done', [root], root)).toBe(1);
    expect(vm.callResult('proxy_on_request_headers', [root, 0, 1], root)).toBe(0);
    expect(vm.callResult('proxy_on_tick', [root], root)).toBeUndefined();
    expect(host.logs.messages('error')).toEqual([
      'uncaught exception escaped the JS dispatcher: always 12',
      'uncaught exception escaped the JS dispatcher: always 5',
      'uncaught exception escaped the JS dispatcher: always 3',
    ]);
  });

  it('fails the start like Envoy when vm_start throws (default 0 = false)', async () => {
    const source = `globalThis.__proxy_dispatch = (kind) => { if (kind === ${Callback.VmStart}) throw new Error('no start'); return 1; };`;
    const error = await createHost({ script: { source } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).toMatch(/proxy_on_vm_start returned false/);
  });

  it('traps a restricted host call in top-level code even when the bundle catches it', async () => {
    const source = `try { __host[${HostFn.getProperty}](__host[${HostFn.utf8Encode}]('plugin_name')); } catch {} globalThis.__proxy_dispatch = () => 1;`;
    const error = await createHost({ script: { source, filename: 'restricted.js' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).toMatch(/^Wasm VM start failed: evaluating restricted\.js threw: .*restricted_callback: env\.proxy_get_property/);
  });

  it('refuses a bundle without a dispatcher, a throwing bundle, and options with both or neither source', async () => {
    const reason = (options: HostOptions) => createHost(options).then(() => 'started', (e: Error) => e.message);
    expect(await reason({ script: { source: 'globalThis.x = 1;' } })).toMatch(/did not define globalThis.__proxy_dispatch \(found undefined\)/);
    expect(await reason({ script: { source: 'throw new Error("top")' } })).toMatch(/evaluating plugin\.js threw: Error: top/);
    expect(await reason({})).toMatch(/exactly one of `module`/);
    expect(await reason({ script: { source: '' }, module: new Uint8Array(8) })).toMatch(/exactly one of `module`/);
  });

  it('fails the VM through the watchdog when a callback never returns', async () => {
    const host = await createHost({ ...base, callbackTimeoutMs: 100 });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ...request, ':path': '/spin' }, true);
    expect(host.workers[0]!.failure?.message).toMatch(/proxy_on_request_headers failed: guest did not return within 100 ms/);
    expect(stream.client.status).toBe(503);
  });

  it('keeps linear memory the same size over 20k requests', async () => {
    const host = await createHost({ ...base, canary: false, callbackTimeoutMs: 0 }); // the watchdog costs ~60 µs a call
    const vm = host.workers[0]!;
    const body = 'x'.repeat(2000);
    const one = (i: number) => {
      const s = host.newHttpStream();
      s.sendRequestHeaders({ ...request, ':method': 'POST', 'x-i': String(i) });
      s.sendRequestBody(body, true);
      s.sendResponseHeaders({ ':status': '200' }, true);
      return s;
    };
    for (let i = 0; i < 100; i++) one(i);
    const before = vm.memory.pages;
    for (let i = 0; i < 20_000; i++) one(i);
    const last = one(-1);
    expect(last.upstream.text).toBe(body.toUpperCase());
    expect(vm.memory.pages).toBe(before);
    expect(before).toBe(2);
  }, 60_000);

  it('grows memory for a large block and reuses it afterwards', async () => {
    const host = await createHost({ ...base, canary: false, bufferLimits: { request: 1 << 22 } });
    const vm = host.workers[0]!;
    const big = (n: number) => {
      const s = host.newHttpStream();
      s.sendRequestHeaders({ ...request, ':method': 'POST' });
      s.sendRequestBody('y'.repeat(n), true);
      return s;
    };
    expect(big(300_000).upstream.body.length).toBe(300_000);
    const grown = vm.memory.pages;
    expect(grown).toBeGreaterThan(2);
    for (let i = 0; i < 50; i++) big(300_000);
    expect(vm.memory.pages).toBe(grown);
  });
});
