/**
 * `rateLimits` with `backend: redis` against a real `redis-server` on the Higress build and the bundle
 * (as Higress): one budget for two gateways (hosts with two workers each) — exactly N of 10×N admitted;
 * token reservations corrected on Redis; the plugin's clock in the keys; Redis stopped or silent
 * (held at most the timeout) answered by `failureMode` open (admitted, one warning per window, a
 * metric) or closed (503); an entry pasted from Higress's `cluster-key-rate-limit` and
 * `ai-token-ratelimit` limiting as Higress's own (`rejected_code`, `rejected_msg`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, HostOptions, UpstreamHandler } from '../../../harness/src/index.ts';
import { REDIS_SKIP, silentServer, startRedis } from '../../../harness/test/support/redis-server.ts';
import { useRedis } from '../../../harness/test/support/use-redis.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, type PluginMode } from '../test-support/ai-host.ts';

const REDIS_MODES = MODES.filter((m) => m !== 'envoy');
const CLUSTER = 'outbound|6379||redis.static';
const PASSWORD = 'sekret-redis-pass';
const encoder = new TextEncoder();

const redis = useRedis();

const hosts: Host[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    expectNoSecrets(host, [], [TOKEN, PASSWORD]);
    host.close();
  }
  if (!REDIS_SKIP) await redis()!.command('FLUSHALL');
});

function answer(usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }): UpstreamHandler {
  return () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode(JSON.stringify({ id: 'c', object: 'chat.completion', choices: [], usage }))], trailers: [] });
}

async function redisLimitHost(mode: PluginMode, rateLimits: object[], url: string, options: Partial<HostOptions> & { redis?: object } = {}): Promise<Host> {
  const { redis, ...rest } = options;
  const pluginConfig = { provider: { type: 'github', apiTokens: [TOKEN] }, redis: { serviceName: 'redis.static', servicePort: 6379, ...redis }, rateLimits };
  const host = await aiHost(mode, pluginConfig, { workers: 2, clusters: { [CLUSTER]: url }, ...rest });
  hosts.push(host);
  return host;
}

const chat = (host: Host, handler: UpstreamHandler, options: { headers?: Record<string, string>; body?: object; worker?: number } = {}): Promise<ExchangeResult> =>
  host.exchange({ headers: { ...CHAT_HEADERS, ...options.headers }, body: JSON.stringify(options.body ?? chatBody()) }, { upstream: handler, worker: options.worker });
const errorOf = (r: ExchangeResult) => (JSON.parse(r.client.text) as { error: { type: string; code: string; message: string } }).error;
const header = (r: ExchangeResult, name: string) => r.client.headers?.find(([k]) => k === name)?.[1];
const metric = (host: Host, name: string) => Number(host.metrics.all().find((m) => m.name === name)?.value ?? 0);
const bulk = (reply: string) => (reply.startsWith('$-1') ? undefined : reply.split('\r\n')[1]);

describe.skipIf(!!REDIS_SKIP)(`Redis rate limits${REDIS_SKIP ? ` — ${REDIS_SKIP}` : ''}`, () => {
  it('two gateways with two workers each share one budget: exactly N of 10×N interleaved requests are admitted', async () => {
    const limits = [{ name: 'rpd', counts: 'requests', window: 'day', limit: 5, backend: 'redis' }];
    const own = (await startRedis({ password: PASSWORD }))!;
    try {
      const gateways = [await redisLimitHost('wasm', limits, own.url, { redis: { password: PASSWORD } }), await redisLimitHost('node', limits, own.url, { redis: { password: PASSWORD } })];
      const handler = answer();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(gateways[i % 2]!, handler, { worker: (i >> 1) % 2 })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      expect(results.filter((r) => r.status === 429).map((r) => errorOf(r).code)).toEqual(Array<string>(45).fill('rpd'));
      const commands = gateways.flatMap((g) => g.redisCalls.map((c) => Buffer.from(c.query).toString().split('\r\n')[2]));
      expect(commands.filter((c) => c === 'EVALSHA')).toHaveLength(50);
      expect(gateways.map((g) => metric(g, 'ai_proxy.ratelimit.rpd.default.admitted')).reduce((a, b) => a + b)).toBe(5);
      const index = Math.floor(Number(gateways[0]!.clock.wallNs() / 1_000_000n) / 86_400_000);
      expect(bulk(await own.command('GET', `ai-proxy-ratelimit:{rpd}::${index}`))).toBe('5');
    } finally {
      await own.stop();
    }
  });

  it.each(REDIS_MODES)('reserves tokens on Redis and corrects them with the usage; the plugin clock names the window (%s)', async (mode) => {
    const host = await redisLimitHost(mode, [{ name: 'tpd', counts: 'tokens', window: 'day', limit: 1000, backend: 'redis' }], redis()!.url);
    const body = chatBody('openai/gpt-4.1', { max_tokens: 200 });
    const estimate = Math.ceil(JSON.stringify(body).length / 4) + 200;
    const handler = answer({ prompt_tokens: 40, completion_tokens: 20, total_tokens: 60 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await chat(host, handler, { body })).status!);
    const fits = Math.floor((1000 - estimate) / 60) + 1;
    expect(statuses).toEqual([...Array<number>(fits).fill(200), ...Array<number>(20 - fits).fill(429)]);
    await host.idle();
    const index = Math.floor(Number(host.clock.wallNs() / 1_000_000n) / 86_400_000);
    expect(bulk(await redis()!.command('GET', `ai-proxy-ratelimit:{tpd}::${index}`))).toBe(String(fits * 60));
    const ttl = Number((await redis()!.command('PTTL', `ai-proxy-ratelimit:{tpd}::${index}`)).slice(1));
    expect(ttl).toBeGreaterThan(86_400_000);
  });

  it.each(REDIS_MODES)('a request reset while its decision is on the way gets its reservation back when the answer arrives (%s)', async (mode) => {
    const host = await redisLimitHost(mode, [{ name: 'tpd', counts: 'tokens', window: 'day', limit: 100000, backend: 'redis' }], redis()!.url, { workers: 1 });
    expect((await chat(host, answer())).status).toBe(200);
    await host.idle();
    const index = Math.floor(Number(host.clock.wallNs() / 1_000_000n) / 86_400_000);
    const counter = async () => bulk(await redis()!.command('GET', `ai-proxy-ratelimit:{tpd}::${index}`));
    expect(await counter()).toBe('15');
    const before = host.redisCalls.length;
    const s = host.newHttpStream();
    s.sendRequestHeaders(CHAT_HEADERS);
    s.sendRequestBody(JSON.stringify(chatBody('openai/gpt-4.1', { max_tokens: 5000 })), true);
    expect(host.redisCalls.slice(before).map((c) => c.state)).toEqual(['pending']);
    s.reset();
    for (let i = 0; i < 20 && host.redisCalls.length < before + 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await host.idle();
    expect(host.redisCalls.slice(before).map((c) => [Buffer.from(c.query).toString().split('\r\n')[2], c.state])).toEqual([['EVALSHA', 'answered'], ['EVAL', 'answered']]);
    expect(await counter()).toBe('15');
  });

  it.each(REDIS_MODES)('Redis stopped: failureMode open admits with one warning per window and a metric; closed answers 503 (%s)', async (mode) => {
    const own = (await startRedis())!;
    const open = await redisLimitHost(mode, [{ name: 'open', counts: 'requests', window: 'minute', limit: 1, backend: 'redis' }], own.url, { workers: 1 });
    const closed = await redisLimitHost(mode, [{ name: 'closed', counts: 'requests', window: 'minute', limit: 1, backend: 'redis', failureMode: 'closed' }], own.url, { workers: 1 });
    const handler = answer();
    expect((await chat(open, handler)).status).toBe(200);
    expect((await chat(open, handler)).status).toBe(429);
    await own.stop();
    const admitted = [];
    for (let i = 0; i < 3; i++) admitted.push((await chat(open, handler)).status);
    expect(admitted).toEqual([200, 200, 200]);
    const warnings = open.logs.messages('warn').filter((m) => m.includes('rate limit "open"'));
    expect(warnings).toEqual([expect.stringMatching(/could not be checked on Redis \(network: .*\); requests are admitted \(failureMode open\)/)]);
    expect(metric(open, 'ai_proxy.ratelimit.open.redis_failure')).toBe(3);
    const refused = await chat(closed, handler);
    expect(refused.status).toBe(503);
    expect(refused.upstream).toBeUndefined();
    expect(errorOf(refused)).toMatchObject({ type: 'rate_limit_unavailable', code: 'rate_limit_unavailable' });
    open.advanceTime(60_000);
    await chat(open, handler);
    expect(open.logs.messages('warn').filter((m) => m.includes('rate limit "open"'))).toHaveLength(2);
  });

  it.each(REDIS_MODES)('a Redis that never answers holds the request only until the timeout, then failureMode decides (%s)', async (mode) => {
    const silent = await silentServer();
    try {
      const host = await redisLimitHost(mode, [{ name: 'slow', counts: 'requests', window: 'minute', limit: 5, backend: 'redis' }], silent.url, { redis: { timeout: 200 }, workers: 1 });
      const closedHost = await redisLimitHost(mode, [{ name: 'slow', counts: 'requests', window: 'minute', limit: 5, backend: 'redis', failureMode: 'closed' }], silent.url, { redis: { timeout: 200 }, workers: 1 });
      const handler = answer();
      const pending = [chat(host, handler), chat(closedHost, handler)];
      await new Promise((resolve) => setTimeout(resolve, 30));
      host.advanceTime(150);
      closedHost.advanceTime(150);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(hosts.flatMap((h) => h.redisCalls.map((c) => c.state))).toEqual(['pending', 'pending']);
      host.advanceTime(60);
      closedHost.advanceTime(60);
      const [opened, closed] = await Promise.all(pending);
      expect(opened!.status).toBe(200);
      expect(closed!.status).toBe(503);
      expect(errorOf(closed!).message).toContain('timeout');
    } finally {
      await silent.close();
    }
  });

  it.each(REDIS_MODES)('an entry pasted from Higress limits per header value with its rejected_code and rejected_msg (%s)', async (mode) => {
    const higress = {
      rule_name: 'default_rule',
      rule_items: [
        { limit_by_per_header: 'x-api-key', limit_keys: [{ key: 'regexp:^vip-', query_per_minute: 3 }, { key: '*', query_per_minute: 1 }] },
        { limit_by_header: 'x-tenant', limit_keys: [{ key: 'acme', query_per_day: 2 }] },
      ],
      rejected_code: 403,
      rejected_msg: 'slow down',
      show_limit_quota_header: true,
      redis: { service_name: 'redis.static', service_port: 6379, timeout: 500 },
    };
    const host = await redisLimitHost(mode, [higress], redis()!.url);
    const handler = answer();
    const as = (key?: string, tenant?: string) => chat(host, handler, { headers: { ...(key ? { 'x-api-key': key } : {}), ...(tenant ? { 'x-tenant': tenant } : {}) } });
    const vip = [await as('vip-1'), await as('vip-1'), await as('vip-1'), await as('vip-1')];
    expect(vip.map((r) => r.status)).toEqual([200, 200, 200, 403]);
    const first = await as('plain-key');
    expect(header(first, 'x-ratelimit-limit-requests')).toBe('1');
    expect(header(first, 'x-ratelimit-remaining-requests')).toBe('0');
    const rejected = await as('plain-key');
    expect(rejected.status).toBe(403);
    expect(errorOf(rejected)).toMatchObject({ type: 'rate_limit_exceeded', code: 'default_rule.0', message: 'slow down' });
    expect([(await as(undefined, 'acme')).status, (await as(undefined, 'acme')).status, (await as(undefined, 'acme')).status, (await as(undefined, 'other')).status]).toEqual([200, 200, 403, 200]);
    const keys = (await redis()!.command('KEYS', 'ai-proxy-ratelimit:*')).split('\r\n').filter((l) => l.startsWith('ai-proxy-ratelimit'));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.includes('plain-key') || k.includes('vip-1') || k.includes('acme'))).toEqual([]);
    expect(keys.every((k) => /^ai-proxy-ratelimit:\{default_rule\.[01]\}:sha256:[0-9a-f]{64}:\d+$/.test(k))).toBe(true);
  });
});
