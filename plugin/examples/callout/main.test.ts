/**
 * callout on both engines, against a real auth server and a real upstream on loopback: a 200 lets the
 * request through with the auth server's `x-user`; a refusal, an error, a timeout or an auth server that
 * is down (Envoy answers the callout itself) ends in a 403 and the upstream is never contacted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHost, type Host } from '../../../harness/src/index.ts';
import { closedPort, json, silent, startServer, type Handler, type TestServer } from '../../../harness/test/support/servers.ts';
import { buildPlugin, MODES, pluginSource, type BuiltPlugin } from '../../test-support/build-plugin.ts';

const AUTH = 'outbound|80||auth.internal';
const FORBIDDEN = { error: 'forbidden' };

let plugin: BuiltPlugin;
beforeAll(async () => {
  plugin = await buildPlugin(new URL('./main.ts', import.meta.url).pathname);
});

/** Answers 200 with `x-user: <user>` where the checked path is `/as/<user>`, else `status`. */
const authBy = (status = 401): Handler => (req, res) => {
  const checked = new URL(req.path, 'http://auth').searchParams.get('path') ?? '';
  const user = /^\/as\/(\w+)/.exec(checked)?.[1];
  if (user) json({ ok: true }, 200, { 'x-user': user })(req, res);
  else json({ denied: true }, status)(req, res);
};

const get = (path: string, headers: Record<string, string> = {}) => ({ headers: { ':method': 'GET', ':path': path, ':authority': 'app.local', ...headers } });

describe.each(MODES)('callout (%s)', (mode) => {
  let host: Host;
  let auth: TestServer;
  let upstream: TestServer;
  async function start(authHandler: Handler | string) {
    upstream = await startServer(json({ from: 'upstream' }));
    const target = typeof authHandler === 'string' ? authHandler : (auth = await startServer(authHandler)).url;
    host = await createHost({ ...pluginSource(plugin, mode), clusters: { [AUTH]: target } });
  }
  const send = (path: string, headers?: Record<string, string>) => host.exchange(get(path, headers), { upstream: upstream.url });

  async function expectForbidden(path: string) {
    const result = await send(path);
    await host.idle();
    expect(result.status).toBe(403);
    expect(result.client.header('content-type')).toBe('application/json');
    expect(result.client.json()).toEqual(FORBIDDEN);
    expect(result.stream.localReply).toMatchObject({ status: 403, details: 'auth_denied' });
    expect(result.stream.upstream.cancelled).toBe(true);
    expect(result.upstream).toBeUndefined();
    expect(upstream.requests).toEqual([]);
    return result;
  }

  it('lets the request through with the x-user the auth server returned', async () => {
    await start(authBy());
    const result = await send('/as/alice/orders');
    await host.idle();
    expect(result.status).toBe(200);
    expect(result.client.json()).toEqual({ from: 'upstream' });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: 'GET', path: '/as/alice/orders' });
    expect(upstream.requests[0]!.headers['x-user']).toBe('alice');
    expect(host.callouts.map((c) => [c.cluster, c.state, c.response?.status])).toEqual([[AUTH, 'answered', 200]]);
  });

  it('sends the callout as GET /check with the escaped path in its query, to auth.internal', async () => {
    await start(authBy());
    const path = '/as/bob/search?q=a%20b&next=/x%2Fy&k=1';
    await send(path);
    await host.idle();
    expect(auth.requests).toHaveLength(1);
    const checked = auth.requests[0]!;
    expect(checked.method).toBe('GET');
    expect(checked.path).toBe(`/check?path=${encodeURIComponent(path)}`);
    expect(checked.headers.host).toBe('auth.internal');
    expect(new URL(checked.path, 'http://auth').searchParams.get('path')).toBe(path);
    expect(host.callouts[0]!.timeoutMs).toBe(1000);
  });

  it('replaces an x-user the client sent, and drops it when the auth server names nobody', async () => {
    await start((req, res) => {
      const named = req.path.includes('named');
      json({}, 200, named ? { 'x-user': 'alice' } : {})(req, res);
    });
    await send('/named', { 'x-user': 'mallory' });
    await send('/anonymous', { 'x-user': 'mallory' });
    await host.idle();
    expect(upstream.requests.map((r) => [r.path, r.headers['x-user']])).toEqual([
      ['/named', 'alice'],
      ['/anonymous', undefined],
    ]);
  });

  it.each([401, 500])('answers 403 when the auth server says %i', async (status) => {
    await start(authBy(status));
    await expectForbidden('/private');
    expect(host.callouts[0]!.response?.status).toBe(status);
  });

  it('answers 403 when the auth server is down (Envoy answers the callout 503)', async () => {
    await start(`http://127.0.0.1:${await closedPort()}`);
    await expectForbidden('/as/alice');
    expect(host.callouts[0]!.state).toBe('answered');
    expect(host.callouts[0]!.response?.status).toBe(503);
    expect(host.callouts[0]!.failure).toMatch(/^refused/);
  });

  it('answers 403 when the auth server does not answer within the 1 s timeout (504)', async () => {
    await start(silent);
    await expectForbidden('/as/alice');
    expect(host.callouts[0]!.response?.status).toBe(504);
  });

  it("fails closed (the SDK's 500) when Envoy refuses to send the callout: unknown cluster", async () => {
    upstream = await startServer(json({ from: 'upstream' }));
    host = await createHost({ ...pluginSource(plugin, mode) });
    const result = await send('/as/alice');
    expect(result.status).toBe(500);
    expect(result.client.json()).toMatchObject({ error: { code: 'plugin_exception' } });
    expect(upstream.requests).toEqual([]);
    expect(host.logs.messages('error')).toEqual([expect.stringMatching(/onRequestHeaders of stream \d+ threw: .*was refused with status 2/)]);
  });

  it('holds the request until the callout answers, then forwards it', async () => {
    await start(async (req, res) => {
      await sleep(30);
      await authBy()(req, res);
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(get('/as/carol').headers, true);
    expect(stream.upstream.headers).toBeUndefined();
    expect(host.callouts.map((c) => c.state)).toEqual(['pending']);
    await host.idle();
    expect(stream.upstream.ended).toBe(true);
    expect(stream.upstream.header('x-user')).toBe('carol');
    expect(stream.localReply).toBeUndefined();
  });

  it('gives each of several concurrent streams its own answer', async () => {
    await start(async (req, res) => {
      await sleep(req.path.includes('slow') ? 40 : 5);
      await authBy()(req, res);
    });
    const results = await Promise.all(['/as/slow', '/as/fast', '/denied', '/as/other'].map((p) => send(p)));
    await host.idle();
    expect(results.map((r) => r.status)).toEqual([200, 200, 403, 200]);
    const seen = upstream.requests.map((r) => [r.path, r.headers['x-user']]).sort();
    expect(seen).toEqual([
      ['/as/fast', 'fast'],
      ['/as/other', 'other'],
      ['/as/slow', 'slow'],
    ]);
  });

  it('survives a client that leaves before the callout answers, and keeps serving', async () => {
    await start(async (req, res) => {
      await sleep(20);
      await authBy()(req, res);
    });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(get('/as/dave').headers, true);
    stream.reset();
    await host.idle();
    expect(stream.upstream.headers).toBeUndefined();
    expect(upstream.requests).toEqual([]);
    expect(host.logs.messages('error')).toEqual([]);
    expect(host.logs.hostMessages('error')).toEqual([]);
    expect((await send('/as/erin')).status).toBe(200);
    expect(upstream.requests.map((r) => r.headers['x-user'])).toEqual(['erin']);
  });
});
