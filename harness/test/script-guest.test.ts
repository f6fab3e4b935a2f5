/**
 * TS source mode (`createHost({ script })`): the bundle in support/script-plugin.ts, run on V8 through the
 * harness's own host functions, must show what the built `.wasm` shows: start-up, forwarded headers, body
 * rewrites, local replies, promise jobs run before the callback returns, callouts, value marshalling.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import { json, startServer } from './support/servers.ts';
import { base, request } from './support/script-plugin.ts';

describe('script guest (TS source mode)', () => {
  it('starts like the wasm: canary and worker, top-level log, vm_start and configure through the host functions', async () => {
    const host = await createHost(base);
    expect(host.workers).toHaveLength(1);
    expect([host.loaded.abi, host.loaded.gateway]).toEqual(['0_2_100', 'higress']);
    const envoy = await createHost({ ...base, gateway: 'envoy' });
    expect([envoy.loaded.abi, envoy.loaded.gateway]).toEqual(['0_2_1', 'envoy']);
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
});
