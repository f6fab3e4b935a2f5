/**
 * Response-cache benchmarks for a 1 KB chat request: a local hit (answered by the plugin, no upstream),
 * a miss that looks up and stores, and the same request without a cache, side by side as the minimum of
 * interleaved rounds; a Redis hit as the plugin's own time (profiled: callbacks less host functions, so
 * the round trip is left out). The Redis row needs `redis-server` (skipped with one line otherwise).
 */
import type { Host } from '../harness/src/index.ts';
import { REDIS_SKIP, startRedis } from '../harness/test/support/redis-server.ts';
import { ANSWER, BENCH_CONFIG, HEADERS, REQUEST, benchHost, interleaved, waitedExchange } from './ai-proxy.ts';
import { guestMicros, printRows } from './measure.ts';

const REDIS_CLUSTER = 'outbound|6379||redis.static';
const withCache = (cache: object, redis = false): object => ({ ...BENCH_CONFIG, ...(redis ? { redis: { serviceName: 'redis.static', servicePort: 6379 } } : {}), cache });

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark set-up failed: ${what}`);
}

/** A request the cache has (answered locally). */
function hitExchange(host: Host): void {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST, true);
  check(!s.upstream.ended && s.client.status === 200 && s.client.text === ANSWER, 'the cached answer was not served');
}

let unique = 0;
/** A request nobody asked before (same size as REQUEST), relayed to the upstream and answered. */
function freshExchange(host: Host): void {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST.replace('message 0', `m${String(unique++ % 1e7).padStart(7, '0')}`), true);
  s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
  s.sendResponseBody(ANSWER, true);
  check(s.upstream.ended && s.client.status === 200, 'the chat request was not relayed');
}

/** The first exchange of REQUEST, which stores it. */
function prime(host: Host): void {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST, true);
  s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
  s.sendResponseBody(ANSWER, true);
}

export async function localCacheRows(): Promise<Array<Record<string, string | number>>> {
  const [hits, misses, none] = await Promise.all([benchHost('ai-proxy', false, withCache({ backend: 'local' })), benchHost('ai-proxy', false, withCache({ backend: 'local', maxLocalEntries: 65536, maxLocalBytes: 1 << 30 })), benchHost('ai-proxy')]);
  prime(hits);
  const side = interleaved([() => hitExchange(hits), () => freshExchange(misses), () => freshExchange(none)], 100, 30);
  return [
    { case: 'local hit (answered by the plugin)', us: side.best[0]!, without_cache: side.best[2]!, added_us: side.best[0]! - side.best[2]! },
    { case: 'miss: lookup, relay, store', us: side.best[1]!, without_cache: side.best[2]!, added_us: side.best[1]! - side.best[2]! },
  ];
}


export async function redisHitRow(): Promise<Record<string, string | number> | string> {
  if (REDIS_SKIP) return `Redis cache row ${REDIS_SKIP}`;
  const server = (await startRedis())!;
  try {
    const host = await benchHost('ai-proxy', true, withCache({ backend: 'redis' }, true), { clusters: { [REDIS_CLUSTER]: server.url } });
    await waitedExchange(host);
    await host.idle();
    const N = 1000;
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      host.profile!.clear();
      for (let k = 0; k < N; k++) {
        const h = host.newHttpStream(0);
        h.sendRequestHeaders(HEADERS);
        h.sendRequestBody(REQUEST, true);
        while (h.client.status === undefined) await host.idle();
        check(h.client.text === ANSWER && !h.upstream.ended, 'the Redis hit was not served');
      }
      best = Math.min(best, guestMicros(host.profile!) / N);
    }
    host.close();
    return { case: 'Redis hit (guest time, profiled; round trip left out)', us: best, without_cache: 0, added_us: 0 };
  } finally {
    await server.stop();
  }
}

export async function printCacheRows(): Promise<void> {
  printRows('\nResponse cache, 1 KB chat request, µs per exchange (local rows: minimum of 30 interleaved rounds; the hit has no upstream exchange)', await localCacheRows(), await redisHitRow());
}
