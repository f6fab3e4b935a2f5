/**
 * TS source mode (`createHost({ script })`): a hand-written bundle that talks to `__host[n]` directly and
 * defines `__proxy_dispatch`, run on V8 through the harness's own host functions. It must show what the
 * built `.wasm` shows: forwarded headers, local replies, logs, callouts, promise jobs run before the callback
 * returns, the glue's default results and log line for a throwing dispatcher, start-time restrictions that
 * the guest cannot swallow, the watchdog, and a linear memory that stays the same size over many requests.
 */
import { describe, expect, it } from 'vitest';
import { createHost, PluginLoadError, type HostOptions } from '../src/index.ts';
import { json, startServer } from './support/servers.ts';

/** Helpers every bundle below starts with: header pairs and UTF-8 through the host functions, as the SDK does. */
const PRELUDE = String.raw`
  const H = globalThis.__host;
  const text = (ab) => H[36](ab, 0, ab.byteLength);
  const pairs = (list) => {
    const enc = list.map(([k, v]) => [new Uint8Array(H[35](k)), new Uint8Array(H[35](v))]);
    let size = 4;
    for (const [k, v] of enc) size += 10 + k.length + v.length;
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, enc.length, true);
    let o = 4;
    for (const [k, v] of enc) { dv.setUint32(o, k.length, true); dv.setUint32(o + 4, v.length, true); o += 8; }
    for (const [k, v] of enc) { out.set(k, o); o += k.length + 1; out.set(v, o); o += v.length + 1; }
    return out.buffer;
  };
  const unpairs = (ab) => {
    const dv = new DataView(ab);
    const n = dv.getUint32(0, true);
    const lens = [];
    let o = 4;
    for (let i = 0; i < n; i++, o += 8) lens.push([dv.getUint32(o, true), dv.getUint32(o + 4, true)]);
    return lens.map(([kl, vl]) => { const k = H[36](ab, o, kl); o += kl + 1; const v = H[36](ab, o, vl); o += vl + 1; return [k, v]; });
  };
`;

/** A small gateway plugin written against the raw glue contract (plugin/sdk/abi.ts numbers). */
const PLUGIN = String.raw`(() => {
  ${PRELUDE}
  H[0](2, 'bundle loaded');
  let config = '';
  const callouts = new Map();
  globalThis.__proxy_dispatch = (kind, a, b, c, d, e) => {
    switch (kind) {
      case 1: H[0](2, 'vm start with ' + b + ' bytes of vm config'); return 1;
      case 2: {
        const cfg = H[4](7, 0, b);
        config = typeof cfg === 'number' ? 'status ' + cfg : text(cfg);
        H[0](2, 'configured: ' + config);
        return 1;
      }
      case 5: {
        const path = H[9](0, ':path');
        if (path === '/deny') {
          H[15](403, 'denied_by_script', H[35]('no entry'), pairs([['x-deny', 'yes']]), -1);
          return 1;
        }
        if (path === '/throw') throw new TypeError('boom in request headers');
        if (path === '/async') {
          Promise.resolve().then(() => H[10](0, 'x-async', 'job ran'));
          (async () => { await null; await null; H[10](0, 'x-async-deep', 'yes'); })();
          return 0;
        }
        if (path === '/callout') {
          const token = H[18]('auth', pairs([[':method', 'GET'], [':path', '/check?u=1'], [':authority', 'auth.local']]), new ArrayBuffer(0), new ArrayBuffer(0), 1000);
          callouts.set(token, a);
          H[0](2, 'callout token ' + token);
          return 1;
        }
        if (path === '/spin') for (;;) {}
        if (path === '/values') {
          const cas0 = (H[21]('k', H[35]('v1'), 0), H[19]('k'), H[20]());
          const value = text(H[19]('k'));
          const metric = H[26](0, 'script_counter');
          H[27](metric, 5); H[27](metric, 2);
          const random = H[34](16);
          const report = {
            value, cas: H[20](), casChanged: cas0 === H[20](), missing: H[19]('nope'), metric: H[29](metric), badMetric: H[29](999),
            logLevel: H[1](), time: H[2](), size: H[33](0), pluginName: text(H[13](H[35]('plugin_name'))), noProp: H[13](H[35]('nope')),
            decoded: H[36](H[35]('héllo'), 1, 100), clamped: H[36](H[35]('abc'), 10, 5), random: random.byteLength,
            guestRealm: random instanceof ArrayBuffer, absent: H[9](0, 'x-absent'), status: H[32](), statusCode: H[20](),
          };
          H[0](2, 'values ' + JSON.stringify(report));
          return 0;
        }
        H[10](0, 'x-plugin', 'on');
        H[10](0, 'x-config', config);
        H[11](0, 'user-agent', 'script-guest');
        H[12](0, 'x-remove-me');
        H[10](0, 'x-route', text(H[13](H[35]('xds\0route_name'))));
        H[10](0, 'x-count', String(unpairs(H[7](0)).length));
        return 0;
      }
      case 6: {
        if (c === 0) return 1;
        const body = text(H[4](0, 0, b));
        H[6](0, 0, b, H[35](body.toUpperCase()));
        return 0;
      }
      case 8: H[10](2, 'x-response', 'seen'); return 0;
      case 11: {
        const stream = callouts.get(b);
        H[30](stream);
        H[10](0, 'x-auth-status', H[9](6, ':status'));
        H[10](0, 'x-auth-body', text(H[4](4, 0, d)));
        H[16](0);
        return 0;
      }
      case 12: return 1;
      default: return 0;
    }
  };
})();`;

const base: HostOptions = {
  script: { source: PLUGIN, filename: 'test-plugin.js' },
  pluginName: 'script-test',
  pluginConfig: { mode: 'test' },
  properties: { 'xds.route_name': 'route-1' },
};
const request = { ':method': 'GET', ':path': '/', ':authority': 'gw.local', 'x-remove-me': '1' };

describe('script guest (TS source mode)', () => {
  it('starts like the wasm: canary and worker, top-level log, vm_start and configure through the host functions', async () => {
    const host = await createHost(base);
    expect(host.workers).toHaveLength(1);
    expect(host.loaded.abi).toBe('0_2_1');
    expect(host.logs.messages('info')).toEqual([
      'bundle loaded', 'vm start with 0 bytes of vm config', 'configured: {"mode":"test"}',
      'bundle loaded', 'vm start with 0 bytes of vm config', 'configured: {"mode":"test"}',
    ]);
    expect(host.workers[0]!.memory.pages).toBe(2);
  });

  it('forwards the headers the plugin changed (add, replace, remove, property, pairs)', async () => {
    const host = await createHost(base);
    const stream = host.newHttpStream();
    expect(stream.sendRequestHeaders(request, true).action).toBe('Continue');
    const up = stream.upstream;
    expect([up.header('x-plugin'), up.header('x-config'), up.header('user-agent'), up.header('x-remove-me')]).toEqual(['on', '{"mode":"test"}', 'script-guest', undefined]);
    expect(up.header('x-route')).toBe('route-1');
    expect(Number(up.header('x-count'))).toBe(up.headers!.length - 1);
    stream.sendResponseHeaders({ ':status': '200' }, true);
    expect(stream.client.status).toBe(200);
    expect(stream.client.header('x-response')).toBe('seen');
  });

  it('rewrites a buffered request body with get/set buffer bytes', async () => {
    const host = await createHost(base);
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ...request, ':method': 'POST' });
    stream.sendRequestBody('hello ');
    stream.sendRequestBody('world', true);
    expect(stream.upstream.text).toBe('HELLO WORLD');
  });

  it('sends a local reply with Envoy headers', async () => {
    const host = await createHost(base);
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ...request, ':path': '/deny' }, true);
    expect(stream.client.status).toBe(403);
    expect(stream.client.text).toBe('no entry');
    expect(stream.client.header('x-deny')).toBe('yes');
    expect(stream.client.header('content-type')).toBe('text/plain');
    expect(stream.localReply?.details).toBe('denied_by_script');
    expect(stream.upstream.headers).toBeUndefined();
  });

  it('runs promise jobs before the callback returns, as the glue does', async () => {
    const host = await createHost(base);
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ...request, ':path': '/async' }, true);
    expect(stream.upstream.header('x-async')).toBe('job ran');
    expect(stream.upstream.header('x-async-deep')).toBe('yes');
  });

  it('makes a callout to a real server and resumes the stream from the response callback', async () => {
    const server = await startServer(json({ allowed: true }, 200));
    const host = await createHost({ ...base, clusters: { auth: server.url } });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ...request, ':path': '/callout' }, true);
    expect(stream.upstream.headers).toBeUndefined();
    expect(host.logs.messages('info')).toContain('callout token 4');
    await host.idle();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/check?u=1' });
    expect(server.requests[0]!.headers.host).toBe('auth.local');
    expect(stream.upstream.header('x-auth-status')).toBe('200');
    expect(stream.upstream.header('x-auth-body')).toBe('{"allowed":true}');
    expect(host.callouts.map((c) => c.state)).toEqual(['answered']);
  });

  it('marshals values as the glue does (−status, lastU32, i64 metrics, properties, utf8 clamps, guest-realm buffers)', async () => {
    const host = await createHost({ ...base, logLevel: 'debug' });
    host.newHttpStream().sendRequestHeaders({ ...request, ':path': '/values' }, true);
    const line = host.logs.messages('info').find((m) => m.startsWith('values '))!;
    const report = JSON.parse(line.slice(7));
    expect(report).toMatchObject({
      value: 'v1', missing: 1, metric: 7, logLevel: 1, size: expect.any(Number), pluginName: 'script-test', noProp: 1,
      decoded: 'éllo', clamped: '', random: 16,
      guestRealm: true, absent: 1, status: expect.anything(),
    });
    expect(report.badMetric).toBeLessThan(0);
    expect(report.cas).toBeGreaterThan(0);
    expect(report.casChanged).toBe(true);
    expect(report.time).toBe(Number(host.clock.wallNs()));
    expect(report.size).toBeGreaterThan(0);
  });

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
    const source = `globalThis.__proxy_dispatch = (kind) => { if (kind === 1) throw new Error('no start'); return 1; };`;
    const error = await createHost({ script: { source } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).toMatch(/proxy_on_vm_start returned false/);
  });

  it('traps a restricted host call in top-level code even when the bundle catches it', async () => {
    const source = `try { __host[13](__host[35]('plugin_name')); } catch {} globalThis.__proxy_dispatch = () => 1;`;
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
