/**
 * Higress's Redis host functions at the ABI (traffic-management §A), driven by a raw bundle on the glue
 * contract against a real redis-server: init statuses (unknown cluster BadArgument, a call before init
 * BadArgument, Unimplemented on vanilla Envoy), tokens 3, 7, …, the reply delivered to the root context
 * after the callback with buffer type 9 readable only then, and a refused connection as status 1 with
 * size 0 and `proxy_get_status` 11 "reset".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { PRELUDE } from './support/script-plugin.ts';
import { REDIS_SKIP, freePort, startRedis, type RedisServer } from './support/redis-server.ts';

const BUNDLE = String.raw`(() => {
  ${PRELUDE}
  const log = (m) => H[F.log](2, m);
  const ping = new Uint8Array([...'*1\r\n$4\r\nPING\r\n'].map((c) => c.charCodeAt(0))).buffer;
  globalThis.__proxy_dispatch = (kind, a, b, c, d) => {
    if (kind === K.Configure) {
      for (const cluster of ['redis-ok', 'redis-refused', 'missing']) log('init ' + cluster + ' ' + H[F.redisInit](cluster + '?db=0', '', '', 500));
      return 1;
    }
    if (kind === K.VmStart) return 1;
    if (kind === K.RequestHeaders) {
      const path = H[F.getHeaderMapValue](0, ':path');
      if (path === '/buffer') { log('buffer9 outside ' + H[F.getBufferBytes](9, 0, 100)); return 0; }
      log('call ' + H[F.redisCall](path.slice(1), ping));
      return 0;
    }
    if (kind === K.RedisCallResponse) {
      const body = d > 0 ? text(H[F.getBufferBytes](9, 0, d)) : '';
      const status = c === 0 ? '' : ' status ' + H[F.getStatus]() + ' ' + H[F.lastU32]();
      log('reply root ' + a + ' token ' + b + ' status ' + c + ' size ' + d + ' ' + JSON.stringify(body) + status);
    }
    return 0;
  };
})();`;

function request(host: Host, path: string): void {
  host.newHttpStream().sendRequestHeaders({ ':method': 'GET', ':path': path, ':authority': 'gw' }, true);
}

const infos = (host: Host) => host.logs.entries.filter((e) => e.source === 'plugin').map((e) => e.message);

describe.skipIf(!!REDIS_SKIP)(`Redis host functions${REDIS_SKIP ? ` — ${REDIS_SKIP}` : ''}`, () => {
  let server: RedisServer;
  let host: Host;
  beforeAll(async () => {
    server = (await startRedis())!;
    const refused = `redis://127.0.0.1:${await freePort()}`;
    host = await createHost({ script: { source: BUNDLE }, gateway: 'higress', canary: false, clusters: { 'redis-ok': server.url, 'redis-refused': refused } });
  });
  afterAll(async () => {
    host.close();
    await server.stop();
  });

  it('answers init per cluster: Ok for a redis:// cluster (even refused), BadArgument for an unknown one', () => {
    expect(infos(host).slice(0, 3)).toEqual(['init redis-ok 0', 'init redis-refused 0', 'init missing 2']);
    const hostLines = host.logs.entries.filter((e) => e.source === 'host').map((e) => e.message);
    expect(hostLines).toContain('redis init of unknown cluster "missing" (no redis:// entry in clusters): bad argument');
  });

  it('answers tokens 3, 7, … and delivers each reply to the root after the callback, buffer 9 readable only then', async () => {
    request(host, '/redis-ok');
    request(host, '/redis-ok');
    expect(infos(host).slice(3)).toEqual(['call 3', 'call 7']);
    await host.idle();
    const root = host.workers[0]!.root!.id;
    expect(infos(host).slice(5)).toEqual([`reply root ${root} token 3 status 0 size 7 "+PONG\\r\\n"`, `reply root ${root} token 7 status 0 size 7 "+PONG\\r\\n"`]);
    request(host, '/buffer');
    expect(infos(host).at(-1)).toBe('buffer9 outside 1');
    expect(host.redisCalls.map((c) => [c.token, c.cluster, c.state])).toEqual([
      [3, 'redis-ok', 'answered'],
      [7, 'redis-ok', 'answered'],
    ]);
  });

  it('fails a call on a refused connection with status 1 and size 0, proxy_get_status 11 "reset"; a call to an unknown cluster is BadArgument', async () => {
    request(host, '/redis-refused');
    request(host, '/missing');
    await host.idle();
    const lines = infos(host);
    expect(lines).toContain('call -2');
    expect(lines.at(-1)).toMatch(/^reply root \d+ token 11 status 1 size 0 "" status reset 11$/);
    expect(host.redisCalls.at(-1)).toMatchObject({ token: 11, state: 'failed', failure: expect.stringContaining('connection failed') });
  });
});

describe('Redis host functions on vanilla Envoy', () => {
  it('are Unimplemented for a script guest built for Envoy', async () => {
    const host = await createHost({ script: { source: BUNDLE }, gateway: 'envoy', canary: false, clusters: { 'redis-ok': 'redis://127.0.0.1:1' } });
    expect(infos(host).slice(0, 3)).toEqual(['init redis-ok 12', 'init redis-refused 12', 'init missing 12']);
    request(host, '/buffer');
    expect(infos(host).at(-1)).toBe('buffer9 outside 2');
  });
});
