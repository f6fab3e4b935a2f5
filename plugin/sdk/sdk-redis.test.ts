/**
 * The SDK's Redis client through the harness against a real redis-server (harness/test/support/
 * redis-server.ts), on the Higress build and the bundle on V8: every command form, promises and
 * handlers, replies matched to the stream that asked, and the fault paths — a stopped server, AUTH
 * failure, a server that never answers, replies split across TCP reads, pipelined replies to several
 * streams, two gateways sharing one Redis. The Envoy build rejects the `redis` field at configure time.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHost, type Host, type HttpStream } from '../../harness/src/index.ts';
import { LogStore } from '../../harness/src/state/logs.ts';
import { MODES, buildPlugin, pluginSource, type PluginMode } from '../test-support/build-plugin.ts';
import { REDIS_SKIP, silentServer, splittingRelay, startRedis, type RedisServer } from '../../harness/test/support/redis-server.ts';

const plugin = await buildPlugin('plugin/sdk/test-plugins/redis/main.ts', { envoy: true });
const CLUSTER = 'outbound|6379||redis.static';

function redisHost(mode: PluginMode, url: string, redis: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Host> {
  return createHost({ ...pluginSource(plugin, mode), pluginConfig: { redis: { cluster: CLUSTER, ...redis } }, clusters: { [CLUSTER]: url }, ...extra });
}

function command(host: Host, cmd: unknown[], headers: Record<string, string> = {}, worker?: number): HttpStream {
  const stream = host.newHttpStream(worker);
  stream.sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'gw', 'x-redis': JSON.stringify(cmd), ...headers }, true);
  return stream;
}

async function answered(host: Host, stream: HttpStream): Promise<{ status?: number; body: any }> {
  await host.idle();
  return { status: stream.client.status, body: JSON.parse(stream.client.text) };
}

async function run(host: Host, cmd: unknown[], headers: Record<string, string> = {}) {
  return answered(host, command(host, cmd, headers));
}

describe('the Envoy build', () => {
  it('rejects the redis field at configure time with one error line naming it and the build it needs', async () => {
    const spy = vi.spyOn(LogStore.prototype, 'add');
    try {
      await expect(createHost({ ...pluginSource(plugin, 'envoy'), pluginConfig: { redis: { cluster: CLUSTER, password: 'sekret-pass' } } })).rejects.toThrow(
        /proxy_on_configure returned false/,
      );
      const errors = spy.mock.calls.map(([entry]) => entry).filter((e) => e.level === 'error');
      expect(errors.map((e) => e.message)).toEqual([
        'invalid plugin configuration: redis: a Redis client needs the Higress build (dist/<plugin>.wasm, loaded by Higress); this is the Envoy build (dist/<plugin>.envoy.wasm), for vanilla Envoy, which has neither Higress\'s Redis host functions nor ABI 0.2.100',
      ]);
      for (const [entry] of spy.mock.calls) expect(entry.message).not.toContain('sekret-pass');
    } finally {
      spy.mockRestore();
    }
  });

  it('reports its target and serves requests that need no Redis', async () => {
    const host = await createHost({ ...pluginSource(plugin, 'envoy'), pluginConfig: {} });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ':method': 'GET', ':path': '/target', ':authority': 'gw' }, true);
    expect(JSON.parse(stream.client.text)).toEqual({ target: 'envoy' });
    expect(host.loaded).toMatchObject({ abi: '0_2_1', gateway: 'envoy' });
  });
});

describe.each(MODES)(`Redis client (%s)${REDIS_SKIP ? ` — ${REDIS_SKIP}` : ''}`, (mode) => {
  let server: RedisServer;
  let host: Host;
  beforeAll(async () => {
    if (REDIS_SKIP) return;
    server = (await startRedis())!;
    host = await redisHost(mode, server.url);
  });
  afterAll(async () => {
    host?.close();
    await server?.stop();
  });
  const live = REDIS_SKIP ? it.skip : it;

  live('reports the Higress build', async () => {
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ':method': 'GET', ':path': '/target', ':authority': 'gw' }, true);
    expect(JSON.parse(stream.client.text)).toEqual({ target: 'higress' });
  });

  live('runs get, set with PX and NX, incrby, expire, and raw calls as promises', async () => {
    const key = `k-${mode}`;
    expect((await run(host, ['get', key])).body).toEqual({ value: null });
    expect((await run(host, ['set', key, 'v1', { px: 60000 }])).body).toEqual({ value: true });
    expect((await run(host, ['set', key, 'v2', { nx: true }])).body).toEqual({ value: false });
    expect((await run(host, ['get', key])).body).toEqual({ value: 'v1' });
    expect(Number(await server.command('PTTL', key).then((t) => t.slice(1)))).toBeGreaterThan(50000);
    expect((await run(host, ['incrby', `${key}-n`, 5])).body).toEqual({ value: 5 });
    expect((await run(host, ['incrby', `${key}-n`, -2])).body).toEqual({ value: 3 });
    expect((await run(host, ['expire', `${key}-n`, 100])).body).toEqual({ value: true });
    expect((await run(host, ['expire', `${key}-none`, 100])).body).toEqual({ value: false });
    expect((await run(host, ['call', 'RPUSH', `${key}-l`, 'a', 'b'])).body).toEqual({ value: 2 });
    expect((await run(host, ['call', 'LRANGE', `${key}-l`, '0', '-1'])).body).toEqual({ value: ['a', 'b'] });
    expect((await run(host, ['call', 'PING'])).body).toEqual({ value: 'PONG' });
  });

  live('hands over the same results through handlers', async () => {
    const key = `cb-${mode}`;
    const cb = { 'x-style': 'callback' };
    expect((await run(host, ['set', key, 'x'], cb)).body).toEqual({ value: true });
    expect((await run(host, ['get', key], cb)).body).toEqual({ value: 'x' });
    const failed = await run(host, ['call', 'INCR', key], cb);
    expect(failed.body.error).toMatchObject({ kind: 'reply', code: 'ERR' });
  });

  live('runs eval, and evalsha falling back to EVAL on NOSCRIPT, then EVALSHA alone', async () => {
    const script = `return {KEYS[1], ARGV[1], ${mode === 'wasm' ? 1 : 2}}`;
    expect((await run(host, ['eval', 'return ARGV[1] + 1', [], ['41']])).body).toEqual({ value: 42 });
    const before = host.redisCalls.length;
    expect((await run(host, ['evalsha', script, ['k'], ['a']])).body).toEqual({ value: ['k', 'a', mode === 'wasm' ? 1 : 2] });
    const sent = host.redisCalls.slice(before).map((c) => new TextDecoder().decode(c.query).split('\r\n')[2]);
    expect(sent).toEqual(['EVALSHA', 'EVAL']);
    const again = host.redisCalls.length;
    expect((await run(host, ['evalsha', script, ['k'], ['b']])).body).toEqual({ value: ['k', 'b', mode === 'wasm' ? 1 : 2] });
    expect(host.redisCalls.slice(again).map((c) => new TextDecoder().decode(c.query).split('\r\n')[2])).toEqual(['EVALSHA']);
  });

  live('keeps binary values and error replies as typed values', async () => {
    await run(host, ['call', 'SETRANGE', `bin-${mode}`, '0', 'ab']);
    await run(host, ['call', 'SETBIT', `bin-${mode}`, '23', '1']);
    expect((await run(host, ['get', `bin-${mode}`])).body).toEqual({ value: 'ab\u0001' });
    await run(host, ['call', 'SETBIT', `bin-${mode}`, '16', '1']);
    expect((await run(host, ['get', `bin-${mode}`])).body).toEqual({ value: { bytes: [0x61, 0x62, 0x81] } });
    expect((await run(host, ['set', `utf8-${mode}`, 'héllo ✓'])).body).toEqual({ value: true });
    expect((await run(host, ['get', `utf8-${mode}`])).body).toEqual({ value: 'héllo ✓' });
    const bad = await run(host, ['call', 'NOSUCHCOMMAND']);
    expect(bad.status).toBe(502);
    expect(bad.body.error).toMatchObject({ kind: 'reply', code: 'ERR' });
  });

  live('delivers pipelined replies to the streams that asked, in order, after the callback returns', async () => {
    const streams = Array.from({ length: 8 }, (_, i) => command(host, ['incrby', `pipe-${mode}`, i + 1]));
    expect(streams.every((s) => s.client.status === undefined)).toBe(true);
    await host.idle();
    const values = streams.map((s) => JSON.parse(s.client.text).value);
    expect(values).toEqual([1, 3, 6, 10, 15, 21, 28, 36]);
  });

  live('lets the request go upstream with headers that depend on the reply', async () => {
    await run(host, ['set', `up-${mode}`, 'routed']);
    const stream = command(host, ['get', `up-${mode}`], { 'x-then': 'continue' });
    await host.idle();
    expect(stream.upstream.headers?.find(([k]) => k === 'x-redis-answer')?.[1]).toBe('{"value":"routed"}');
  });

  live('skips a reply whose stream is gone', async () => {
    const stream = command(host, ['get', 'gone']);
    stream.reset('client left');
    await host.idle();
    expect(host.redisCalls.at(-1)!.state).toBe('answered');
    expect(host.logs.messages('critical')).toEqual([]);
  });
});

describe.skipIf(!!REDIS_SKIP)(`Redis fault paths${REDIS_SKIP ? ` — ${REDIS_SKIP}` : ''}`, () => {
  it.each(MODES)('a stopped server fails the call as a network error, and a restarted one serves again (%s)', async (mode) => {
    const server = (await startRedis())!;
    const host = await redisHost(mode, server.url, { timeoutMs: 2000 });
    try {
      expect((await run(host, ['call', 'PING'])).body).toEqual({ value: 'PONG' });
      await server.stop();
      const failed = await run(host, ['call', 'PING']);
      expect(failed.body.error.kind).toBe('network');
      expect(host.redisCalls.at(-1)).toMatchObject({ state: 'failed' });
      await server.restart();
      expect((await run(host, ['call', 'PING'])).body).toEqual({ value: 'PONG' });
    } finally {
      host.close();
      await server.stop();
    }
  });

  it.each(MODES)('a wrong password shows as NOAUTH/WRONGPASS error replies; the right one, with a user, works (%s)', async (mode) => {
    const server = (await startRedis({ password: 'right-pass', users: ['app on >app-pass ~* +@all'] }))!;
    try {
      const wrong = await redisHost(mode, server.url, { password: 'wrong' });
      const denied = await run(wrong, ['call', 'PING']);
      expect(denied.body.error.kind).toBe('reply');
      expect(['NOAUTH', 'WRONGPASS']).toContain(denied.body.error.code);
      wrong.close();
      const right = await redisHost(mode, server.url, { password: 'right-pass' });
      expect((await run(right, ['call', 'PING'])).body).toEqual({ value: 'PONG' });
      right.close();
      const user = await redisHost(mode, server.url, { username: 'app', password: 'app-pass' });
      expect((await run(user, ['call', 'ACL', 'WHOAMI'])).body).toEqual({ value: 'app' });
      user.close();
    } finally {
      await server.stop();
    }
  });

  it.each(MODES)('the database option selects it on the connection (%s)', async (mode) => {
    const server = (await startRedis())!;
    const host = await redisHost(mode, server.url, { database: 3 });
    try {
      await run(host, ['set', 'in-db3', 'yes']);
      expect(await server.command('GET', 'in-db3')).toBe('$-1\r\n');
      expect(await server.command('EVAL', "redis.call('SELECT', 3) return redis.call('GET', 'in-db3')", '0')).toBe('$3\r\nyes\r\n');
    } finally {
      host.close();
      await server.stop();
    }
  });

  it.each(MODES)('a server that never answers fails every pending call as a timeout when the host clock passes it, a later one too (%s)', async (mode) => {
    const silent = await silentServer();
    const host = await redisHost(mode, silent.url, { timeoutMs: 200 });
    try {
      const first = command(host, ['get', 'a']);
      await new Promise((resolve) => setTimeout(resolve, 20));
      host.advanceTime(150);
      const later = command(host, ['get', 'b']);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([first.client.status, later.client.status]).toEqual([undefined, undefined]);
      host.advanceTime(60);
      await host.idle();
      for (const s of [first, later]) expect(JSON.parse(s.client.text).error.kind).toBe('timeout');
      expect(host.redisCalls.map((c) => c.failure)).toEqual([expect.stringContaining('200 ms'), expect.stringContaining('200 ms')]);
    } finally {
      host.close();
      await silent.close();
    }
  });

  it.each(MODES)('replies cut into one-byte TCP reads arrive whole, for pipelined calls (%s)', async (mode) => {
    const server = (await startRedis())!;
    const relay = await splittingRelay(server.port);
    const host = await redisHost(mode, relay.url, { timeoutMs: 5000 });
    try {
      await server.command('SET', 'long', 'x'.repeat(300));
      const streams = [command(host, ['get', 'long']), command(host, ['call', 'MGET', 'long', 'none']), command(host, ['call', 'PING'])];
      await host.idle();
      expect(streams.map((s) => JSON.parse(s.client.text).value)).toEqual(['x'.repeat(300), ['x'.repeat(300), null], 'PONG']);
    } finally {
      host.close();
      await relay.close();
      await server.stop();
    }
  });

  it('two gateways (hosts, two workers each) share one Redis over one connection per worker: no increment is lost', async () => {
    const server = (await startRedis())!;
    const hosts = await Promise.all([redisHost('wasm', server.url, {}, { workers: 2 }), redisHost('node', server.url, {}, { workers: 2 })]);
    try {
      const streams = hosts.flatMap((h) => Array.from({ length: 10 }, (_, i) => ({ h, s: command(h, ['incrby', 'shared', 1], {}, i % 2) })));
      await Promise.all(hosts.map((h) => h.idle()));
      const values = streams.map(({ s }) => JSON.parse(s.client.text).value as number).sort((a, b) => a - b);
      expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(hosts.map((h) => new Set(h.redisCalls.map((c) => c.vm)).size)).toEqual([2, 2]);
      const clients = (await server.command('CLIENT', 'LIST')).split('\n').filter((l) => l.includes('addr='));
      expect(clients).toHaveLength(4 + 1);
    } finally {
      for (const h of hosts) h.close();
      await server.stop();
    }
  });

  it('an unknown cluster is refused at init (BadArgument) and the plugin answers without a client', async () => {
    const host = await createHost({ ...pluginSource(plugin, 'wasm'), pluginConfig: { redis: { cluster: 'outbound|6379||missing' } } });
    expect(host.logs.messages('error').some((m) => m.includes('redis: dispatch') && m.includes('status 2'))).toBe(true);
    expect((await run(host, ['get', 'x'])).status).toBe(503);
  });
});
