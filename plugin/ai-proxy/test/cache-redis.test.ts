/**
 * The response cache with `backend: redis` against a real `redis-server`, on the Higress build and the
 * bundle: an answer stored by one gateway is a hit on another (`SET … PX ttl`, the entry whole), a
 * streamed answer too; Redis stopped or silent is a miss (the request goes upstream, one warning, a
 * metric), never a failed request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, HostOptions, UpstreamHandler } from '../../../harness/src/index.ts';
import { REDIS_SKIP, silentServer, startRedis } from '../../../harness/test/support/redis-server.ts';
import { useRedis } from '../../../harness/test/support/use-redis.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, type PluginMode } from '../test-support/ai-host.ts';

const REDIS_MODES = MODES.filter((m) => m !== 'envoy');
const CLUSTER = 'outbound|6379||redis.static';
const encoder = new TextEncoder();

const redis = useRedis();
const hosts: Host[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    expectNoSecrets(host, [], [TOKEN]);
    host.close();
  }
  if (!REDIS_SKIP) await redis()!.command('FLUSHALL');
});

function upstream() {
  let calls = 0;
  const handler: UpstreamHandler = (request) => {
    calls++;
    const body = JSON.parse(Buffer.from(request.body).toString()) as { stream?: boolean };
    if (body.stream) {
      const text = ['{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"héllo"},"finish_reason":null}]}', '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}', '[DONE]'].map((d) => `data: ${d}\n\n`).join('');
      return { status: 200, headers: [['content-type', 'text/event-stream']], chunks: [encoder.encode(text)], trailers: [] };
    }
    return { status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: `answer ${calls} ✓` }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }))], trailers: [] };
  };
  return { handler, calls: () => calls };
}

async function cacheHost(mode: PluginMode, url: string, cache: object = {}, options: Partial<HostOptions> = {}): Promise<Host> {
  const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, redis: { serviceName: 'redis.static', servicePort: 6379, timeout: 200 }, cache: { backend: 'redis', ttl: 120, ...cache } }, { clusters: { [CLUSTER]: url }, ...options });
  hosts.push(host);
  return host;
}

const ask = (host: Host, handler: UpstreamHandler, body: object = chatBody()): Promise<ExchangeResult> => host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(body) }, { upstream: handler });
const header = (r: ExchangeResult, name: string) => r.client.headers?.find(([k]) => k === name)?.[1];
const metric = (host: Host, name: string) => Number(host.metrics.all().find((m) => m.name === name)?.value ?? 0);

describe.skipIf(!!REDIS_SKIP)(`Redis response cache${REDIS_SKIP ? ` — ${REDIS_SKIP}` : ''}`, () => {
  it('an answer one gateway stored is a hit on another, plain and streamed, byte for byte; SET with PX ttl', async () => {
    const [first, second] = [await cacheHost('wasm', redis()!.url), await cacheHost('node', redis()!.url)];
    const up = upstream();
    const miss = await ask(first, up.handler);
    await first.idle();
    const hit = await ask(second, up.handler);
    expect([header(miss, 'x-cache'), header(hit, 'x-cache')]).toEqual(['MISS', 'HIT']);
    expect(hit.client.text).toBe(miss.client.text);
    expect(up.calls()).toBe(1);
    const keys = (await redis()!.command('KEYS', 'ai-proxy-cache:*')).split('\r\n').filter((l) => l.startsWith('ai-proxy-cache:'));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^ai-proxy-cache:[0-9a-f]{64}$/);
    const ttl = Number((await redis()!.command('PTTL', keys[0]!)).slice(1));
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const streamed = chatBody('openai/gpt-4.1', { stream: true, messages: [{ role: 'user', content: 'another question' }] });
    const streamMiss = await ask(second, up.handler, streamed);
    await second.idle();
    const streamHit = await ask(first, up.handler, streamed);
    expect(header(streamHit, 'x-cache')).toBe('HIT');
    expect(streamHit.client.text).toBe(streamMiss.client.text);
    expect(up.calls()).toBe(2);
    expect(filterState(streamHit, 'ai_log')).toMatchObject({ cache_status: 'hit' });
  });

  it.each(REDIS_MODES)('Redis stopped: every request is a miss served by the upstream, one warning, a metric (%s)', async (mode) => {
    const own = (await startRedis())!;
    const host = await cacheHost(mode, own.url);
    const up = upstream();
    await ask(host, up.handler);
    await host.idle();
    expect(header(await ask(host, up.handler), 'x-cache')).toBe('HIT');
    await own.stop();
    const results = [await ask(host, up.handler), await ask(host, up.handler)];
    expect(results.map((r) => [r.status, header(r, 'x-cache')])).toEqual([[200, 'MISS'], [200, 'MISS']]);
    expect(up.calls()).toBe(3);
    expect(host.logs.messages('warn').filter((m) => m.includes('response cache could not use Redis'))).toHaveLength(1);
    expect(metric(host, 'ai_proxy.cache.redis_failure')).toBeGreaterThanOrEqual(2);
  });

  it.each(REDIS_MODES)('a silent Redis holds the request only until the timeout, then it is a miss (%s)', async (mode) => {
    const silent = await silentServer();
    try {
      const host = await cacheHost(mode, silent.url);
      const up = upstream();
      const pending = ask(host, up.handler);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(up.calls()).toBe(0);
      host.advanceTime(201);
      const r = await pending;
      expect([r.status, header(r, 'x-cache')]).toEqual([200, 'MISS']);
      expect(up.calls()).toBe(1);
    } finally {
      await silent.close();
    }
  });
});
