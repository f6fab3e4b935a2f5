/**
 * Rate-limit benchmarks: what a local limit (requests, tokens) adds to a chat exchange, side by side as
 * the minimum of interleaved rounds; what a Redis limit adds to the plugin's own time (the sum of its
 * callbacks in a profiled run, so the Redis round trip is left out); and the requests per second one
 * `npm start` gateway sustains through a Redis limit, with autocannon on loopback, against the same
 * gateway without limits. The Redis rows need `redis-server` (skipped with one line otherwise).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Host } from '../harness/src/index.ts';
import { REDIS_SKIP, freePort, startRedis } from '../harness/test/support/redis-server.ts';
import { BENCH_CONFIG, REQUEST, benchHost, chatExchange, interleaved, waitedExchange } from './ai-proxy.ts';
import { formatTable, guestMicros, printRows } from './measure.ts';

const REDIS_CLUSTER = 'outbound|6379||redis.static';
const HUGE = 1e12;

export function limitConfig(rateLimits: object[], redis = false, base: object = BENCH_CONFIG): object {
  return { ...base, ...(redis ? { redis: { serviceName: 'redis.static', servicePort: 6379 } } : {}), rateLimits };
}
/** What `npm start`'s bundled fake upstream accepts. */
const GATEWAY_CONFIG = { provider: { type: 'github', apiTokens: ['ghp_fake_token'] } };

export const LOCAL_REQUESTS = [{ name: 'rpm', counts: 'requests', window: 'minute', limit: HUGE, by: 'consumer' }];
export const LOCAL_TOKENS = [{ name: 'tpm', counts: 'tokens', window: 'minute', limit: HUGE, by: 'consumer' }];
const REDIS_REQUESTS = [{ name: 'rpm', counts: 'requests', window: 'minute', limit: HUGE, by: 'consumer', backend: 'redis' }];

export async function localLimitRows(): Promise<Array<Record<string, string | number>>> {
  const [none, requests, tokens] = await Promise.all([benchHost('ai-proxy'), benchHost('ai-proxy', false, limitConfig(LOCAL_REQUESTS)), benchHost('ai-proxy', false, limitConfig(LOCAL_TOKENS))]);
  const side = interleaved([() => chatExchange(requests), () => chatExchange(tokens), () => chatExchange(none)], 100, 50);
  return [
    { limit: 'local, requests per minute by consumer', with_limit: side.best[0]!, without: side.best[2]!, added_us: side.best[0]! - side.best[2]! },
    { limit: 'local, tokens per minute by consumer (reserve + correct)', with_limit: side.best[1]!, without: side.best[2]!, added_us: side.best[1]! - side.best[2]! },
  ];
}

export async function redisLimitRow(): Promise<Record<string, string | number> | string> {
  if (REDIS_SKIP) return `Redis limit rows ${REDIS_SKIP}`;
  const server = (await startRedis())!;
  try {
    const clusters = { [REDIS_CLUSTER]: server.url };
    const withRedis = await benchHost('ai-proxy', true, limitConfig(REDIS_REQUESTS, true), { clusters });
    const without = await benchHost('ai-proxy', true, BENCH_CONFIG, { clusters });
    const N = 2000;
    const best = [Infinity, Infinity, Infinity];
    for (let round = 0; round < 5; round++) {
      for (const [i, host] of [withRedis, without].entries()) {
        for (let k = 0; k < 200; k++) await waitedExchange(host);
        host.profile!.clear();
        const started = performance.now();
        for (let k = 0; k < N; k++) await waitedExchange(host);
        if (i === 0) best[2] = Math.min(best[2]!, ((performance.now() - started) * 1000) / N);
        best[i] = Math.min(best[i]!, guestMicros(host.profile!) / N);
      }
    }
    withRedis.close();
    without.close();
    return { limit: 'redis, requests per minute by consumer (guest time, profiled)', with_limit: best[0]!, without: best[1]!, added_us: best[0]! - best[1]!, exchange_wall_us: best[2]! };
  } finally {
    await server.stop();
  }
}

async function startGateway(config: object, clusters: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-bench-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const port = await freePort();
  const args = ['--import', 'tsx', 'plugin/ai-proxy/cli/serve.ts', '--config', file, '--port', String(port), '--quiet', ...Object.entries(clusters).flatMap(([k, v]) => ['--cluster', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /gateway\s+(http:\/\/\S+)/.exec(out);
      if (found) resolve(found[1]!);
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
  });
  return { url, child };
}

async function load(url: string, seconds: number): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    connections: 16,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-mse-consumer': 'bench' },
    body: REQUEST.replace('"gpt-4.1"', '"openai/gpt-4.1"'),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

export async function gatewayLoadRows(): Promise<Array<Record<string, string | number>> | string> {
  if (REDIS_SKIP) return `npm start load rows ${REDIS_SKIP}`;
  const server = (await startRedis())!;
  const clusters = { [REDIS_CLUSTER]: server.url };
  const gateways = [await startGateway(limitConfig(REDIS_REQUESTS, true, GATEWAY_CONFIG), clusters), await startGateway(GATEWAY_CONFIG, clusters)];
  try {
    const runs: Array<Array<{ rps: number; p50: number; p99: number; non2xx: number }>> = [[], []];
    for (const g of gateways) await load(g.url, 1);
    for (let round = 0; round < 3; round++) for (const [i, g] of gateways.entries()) runs[i]!.push(await load(g.url, 3));
    const best = runs.map((r) => r.reduce((a, b) => (b.rps > a.rps ? b : a)));
    return [
      { gateway: 'npm start, Redis limit', requests_per_s: best[0]!.rps, p50_ms: best[0]!.p50, p99_ms: best[0]!.p99, non_2xx: best[0]!.non2xx },
      { gateway: 'npm start, no limit', requests_per_s: best[1]!.rps, p50_ms: best[1]!.p50, p99_ms: best[1]!.p99, non_2xx: best[1]!.non2xx },
    ];
  } finally {
    for (const g of gateways) g.child.kill('SIGTERM');
    await server.stop();
  }
}

export async function printRateLimitRows(): Promise<void> {
  printRows(
    '\nRate limits: µs per chat exchange added by a limit (local: minimum of 50 interleaved rounds; Redis: the plugin\'s own time in QuickJS, profiled: callbacks less host functions, so the round trip and the harness\'s socket I/O are left out)',
    await localLimitRows(),
    await redisLimitRow(),
  );
  console.log('\nRate limits: one npm start gateway (QuickJS module, harness on Node) under autocannon on loopback, 16 connections, best of 3 rounds of 3 s each, alternating');
  const load = await gatewayLoadRows();
  console.log(typeof load === 'string' ? load : formatTable(load));
}
