/**
 * local-reply on both engines: `/healthz` is answered by the plugin with a JSON 200 and never reaches the
 * upstream; every other request goes to a real upstream on loopback and its answer comes back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHost } from '../../../harness/src/index.ts';
import { json, startServer } from '../../../harness/test/support/servers.ts';
import { buildPlugin, MODES, pluginSource, type BuiltPlugin } from '../../test-support/build-plugin.ts';

let plugin: BuiltPlugin;
beforeAll(async () => {
  plugin = await buildPlugin(new URL('./main.ts', import.meta.url).pathname);
});

const request = (path: string, method = 'GET') => ({ headers: { ':method': method, ':path': path, ':authority': 'svc.local' } });

describe.each(MODES)('local-reply (%s)', (mode) => {
  const start = () => createHost({ ...pluginSource(plugin, mode) });

  it('answers /healthz itself with 200 JSON and never contacts the upstream', async () => {
    const host = await start();
    const server = await startServer(json({ from: 'upstream' }));
    const result = await host.exchange(request('/healthz'), { upstream: server.url });
    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toBe('application/json');
    expect(result.client.header('content-length')).toBe(String('{"status":"ok"}'.length));
    expect(result.client.json()).toEqual({ status: 'ok' });
    expect(result.client.ended).toBe(true);
    expect(result.stream.localReply).toMatchObject({ status: 200, details: 'healthz' });
    expect(result.stream.upstream.cancelled).toBe(true);
    expect(result.stream.upstream.headers).toBeUndefined();
    expect(result.upstream).toBeUndefined();
    expect(server.requests).toEqual([]);
  });

  it('answers at the request headers, before any body is read', async () => {
    const host = await start();
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ':method': 'GET', ':path': '/healthz', ':authority': 'svc.local' });
    expect(stream.client.status).toBe(200);
    expect(stream.client.json()).toEqual({ status: 'ok' });
    expect(stream.upstream.cancelled).toBe(true);
    expect(stream.upstream.headers).toBeUndefined();
    stream.sendRequestBody('late', true);
    expect(stream.trace.map((t) => t.callback)).not.toContain('proxy_on_request_body');
    expect(stream.upstream.body).toHaveLength(0);
  });

  it.each(['/', '/healthz/', '/api/healthz', '/HEALTHZ'])('forwards %s to the upstream', async (path) => {
    const host = await start();
    const server = await startServer(json({ from: 'upstream' }, 201, { 'x-upstream': 'yes' }));
    const result = await host.exchange(request(path), { upstream: server.url });
    expect(server.requests.map((r) => [r.method, r.path, r.headers.host])).toEqual([['GET', path, 'svc.local']]);
    expect(result.status).toBe(201);
    expect(result.client.header('x-upstream')).toBe('yes');
    expect(result.client.json()).toEqual({ from: 'upstream' });
    expect(result.stream.localReply).toBeUndefined();
    expect(result.upstream?.path).toBe(path);
  });

  it('forwards a request body unchanged', async () => {
    const host = await start();
    const server = await startServer(json({ ok: true }));
    const result = await host.exchange({ ...request('/submit', 'POST'), body: ['{"a":', '1}'] }, { upstream: server.url });
    expect(result.status).toBe(200);
    expect(server.requests.map((r) => r.body)).toEqual(['{"a":1}']);
  });

  it('keeps serving both kinds of request on the same VM', async () => {
    const host = await start();
    const server = await startServer(json({ from: 'upstream' }));
    for (let i = 0; i < 3; i++) {
      expect((await host.exchange(request('/healthz'), { upstream: server.url })).client.json()).toEqual({ status: 'ok' });
      expect((await host.exchange(request('/x'), { upstream: server.url })).client.json()).toEqual({ from: 'upstream' });
    }
    expect(server.requests).toHaveLength(3);
    expect(host.logs.messages('error')).toEqual([]);
    expect(host.logs.hostMessages()).toEqual([]);
  });
});
