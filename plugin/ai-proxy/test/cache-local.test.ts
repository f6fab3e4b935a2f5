/**
 * The response cache with `backend: local` on both builds and the bundle: a miss goes upstream and is
 * stored, a hit is answered without the upstream, byte for byte what the upstream sent (JSON and SSE),
 * or converted to the shape the request asks for (a stream synthesised from a stored JSON answer, a JSON
 * completion assembled from stored events); the key (model, canonical body, ignoreFields, consumer
 * scope, `n`), `cache-control`, only complete 200s stored, TTL on the virtual clock, four workers
 * writing at once within the byte bound (oldest evicted first), per-provider and per-rule blocks,
 * embeddings, and token limits not charged for hits unless `countCached` (edge cases in
 * cache-local-edges.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MODES, TOKEN, aiHost, chatBody, filterState } from '../test-support/ai-host.ts';
import { USAGE, ask, cacheHosts, counting, events, header, metric } from '../test-support/cache-upstream.ts';

const { hosts, cacheHost } = cacheHosts();

describe.each(MODES)('local response cache (%s)', (mode) => {
  it('stores a plain answer on a miss and answers the same request from the cache, byte for byte, without the upstream', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const miss = await ask(host, up.handler);
    const hit = await ask(host, up.handler);
    expect(up.seen).toHaveLength(1);
    expect([miss.status, hit.status]).toEqual([200, 200]);
    expect([header(miss, 'x-cache'), header(hit, 'x-cache')]).toEqual(['MISS', 'HIT']);
    expect(hit.client.text).toBe(miss.client.text);
    expect(header(hit, 'age')).toBe('0');
    expect(header(hit, 'content-type')).toBe('application/json');
    expect(hit.upstream).toBeUndefined();
    expect(filterState(miss, 'ai_log')).toMatchObject({ cache_status: 'miss', total_token: 18 });
    expect(filterState(hit, 'ai_log')).toMatchObject({ cache_status: 'hit', status: 200, input_token: 11, output_token: 7, total_token: 18, attempts: 0 });
    expect([metric(host, 'ai_proxy.cache.miss'), metric(host, 'ai_proxy.cache.store'), metric(host, 'ai_proxy.cache.hit')]).toEqual([1, 1, 1]);
    host.advanceTime(5000);
    expect(header(await ask(host, up.handler), 'age')).toBe('5');
  });

  it('serves a stored stream to a streaming request byte for byte, and as one JSON completion to a plain one', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const streamed = chatBody('openai/gpt-4.1', { stream: true });
    const miss = await ask(host, up.handler, streamed);
    const hit = await ask(host, up.handler, streamed);
    expect(up.seen).toHaveLength(1);
    expect(header(hit, 'x-cache')).toBe('HIT');
    expect(header(hit, 'content-type')).toBe('text/event-stream');
    expect(hit.client.text).toBe(miss.client.text);
    const plain = await ask(host, up.handler, chatBody());
    expect(up.seen).toHaveLength(1);
    const assembled = JSON.parse(plain.client.text);
    expect(assembled).toEqual({ id: 'chatcmpl-up', object: 'chat.completion', created: 1700000000, model: 'openai/gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: expect.stringMatching(/^answer 1: the quick/) }, logprobs: null, finish_reason: 'stop' }], usage: USAGE });
  });

  it('synthesises a stream from a stored JSON answer: role, content deltas, finish, usage when asked, [DONE]', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const miss = await ask(host, up.handler);
    const content = JSON.parse(miss.client.text).choices[0].message.content as string;
    for (const [options, withUsage] of [[{}, true], [{ stream_options: { include_usage: false } }, false]] as const) {
      const hit = await ask(host, up.handler, chatBody('openai/gpt-4.1', { stream: true, ...options }));
      expect(header(hit, 'content-type')).toBe('text/event-stream');
      const data = events(hit.client.text);
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.flatMap((c) => c.choices.map((ch: { delta: { content?: string } }) => ch.delta.content ?? '')).join('')).toBe(content);
      expect(chunks.filter((c) => c.choices.length > 1 || (c.choices[0]?.delta?.content ?? '') !== '').length).toBeGreaterThan(1);
      expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'chatcmpl-up')).toBe(true);
      expect(chunks.some((c) => c.usage !== undefined)).toBe(withUsage);
    }
    expect(up.seen).toHaveLength(1);
  });

  it('keys by upstream model and canonical body: member order, stream and ignoreFields do not matter; the consumer does (scope consumer)', async () => {
    const host = await cacheHost(mode, { ignoreFields: ['user'] });
    const up = counting();
    const base = { model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'same question' }], temperature: 0 };
    await ask(host, up.handler, base);
    expect(header(await ask(host, up.handler, { temperature: 0, messages: [{ content: 'same question', role: 'user' }], model: 'openai/gpt-4.1', user: 'u-1' }), 'x-cache')).toBe('HIT');
    expect(header(await ask(host, up.handler, { ...base, temperature: 1 }), 'x-cache')).toBe('MISS');
    expect(header(await ask(host, up.handler, { ...base, model: 'openai/gpt-4o' }), 'x-cache')).toBe('MISS');
    expect(header(await ask(host, up.handler, base, { 'x-mse-consumer': 'alice' }), 'x-cache')).toBe('MISS');
    expect(header(await ask(host, up.handler, base, { 'x-mse-consumer': 'alice' }), 'x-cache')).toBe('HIT');
    expect(header(await ask(host, up.handler, base, { 'x-mse-consumer': 'bob' }), 'x-cache')).toBe('MISS');
    const global = await cacheHost(mode, { scope: 'global' });
    await ask(global, up.handler, base, { 'x-mse-consumer': 'alice' });
    expect(header(await ask(global, up.handler, base, { 'x-mse-consumer': 'bob' }), 'x-cache')).toBe('HIT');
  });

  it('bypasses n > 1 and no-store; no-cache looks nothing up but stores', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const many = chatBody('openai/gpt-4.1', { n: 2 });
    expect(header(await ask(host, up.handler, many), 'x-cache')).toBe('BYPASS');
    expect(header(await ask(host, up.handler, many), 'x-cache')).toBe('BYPASS');
    expect(header(await ask(host, up.handler, chatBody(), { 'cache-control': 'no-store' }), 'x-cache')).toBe('BYPASS');
    expect(header(await ask(host, up.handler), 'x-cache')).toBe('MISS');
    expect(header(await ask(host, up.handler, chatBody(), { 'cache-control': 'no-cache' }), 'x-cache')).toBe('MISS');
    const hit = await ask(host, up.handler);
    expect(header(hit, 'x-cache')).toBe('HIT');
    expect(JSON.parse(hit.client.text).choices[0].message.content).toMatch(/^answer 5:/);
    expect(up.seen).toHaveLength(5);
    expect(filterState(hit, 'ai_log')).toMatchObject({ cache_status: 'hit' });
  });

  it('stores only complete 200 answers: not an error, a cut stream or a stream without [DONE]', async () => {
    const host = await cacheHost(mode, {});
    const streamed = chatBody('openai/gpt-4.1', { stream: true });
    for (const up of [counting({ status: 500 }), counting({ cut: true }), counting({ noDone: true })]) {
      await ask(host, up.handler, streamed);
      await ask(host, up.handler, streamed);
      expect(up.seen).toHaveLength(2);
    }
    expect(metric(host, 'ai_proxy.cache.store')).toBe(0);
  });

  it('expires entries after ttl seconds on the virtual clock', async () => {
    const host = await cacheHost(mode, { ttl: 60 });
    const up = counting();
    await ask(host, up.handler);
    host.advanceTime(59_000);
    expect(header(await ask(host, up.handler), 'x-cache')).toBe('HIT');
    host.advanceTime(1_000);
    expect(header(await ask(host, up.handler), 'x-cache')).toBe('MISS');
    expect(up.seen).toHaveLength(2);
  });

  it('four workers storing at once stay within the byte bound, oldest evicted first, every entry whole', async () => {
    const host = await cacheHost(mode, { maxLocalBytes: 8192, maxLocalEntries: 64 }, {}, { workers: 4 });
    const up = counting({ content: (body) => `reply to ${JSON.stringify(body.messages)} ${'x'.repeat(300)}` });
    const question = (i: number) => chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: `question ${i}` }] });
    await Promise.all(Array.from({ length: 40 }, (_, i) => ask(host, up.handler, question(i), {}, i % 4)));
    const slots = host.sharedData.keys().filter((k) => k.includes('/slot/'));
    const held = slots.map((k) => host.sharedData.get(k)!.value.byteLength).reduce((a, b) => a + b, 0);
    expect(held).toBeLessThanOrEqual(8192);
    expect(held).toBeGreaterThan(4096);
    for (const k of slots) {
      const text = Buffer.from(host.sharedData.get(k)!.value).toString();
      if (text !== '') expect(JSON.parse(text.slice(0, text.indexOf('\n'))).v).toBe(1);
    }
    const statuses = [];
    for (const i of [0, 1, 38, 39]) statuses.push(header(await ask(host, up.handler, question(i), {}, 0), 'x-cache'));
    expect(statuses).toEqual(['MISS', 'MISS', 'HIT', 'HIT']);
  });

  it('a provider\'s cache wins over the configuration\'s, a rule can turn it off, and answers past maxEntryBytes are not stored', async () => {
    const up = counting({ content: () => 'y'.repeat(3000) });
    const small = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN], cache: { maxEntryBytes: 2048 } }, cache: { maxEntryBytes: 1048576 } });
    hosts.push(small);
    await ask(small, up.handler);
    expect(header(await ask(small, up.handler), 'x-cache')).toBe('MISS');
    expect(up.seen).toHaveLength(2);
    const pluginConfig = { provider: { type: 'github', apiTokens: [TOKEN] }, cache: { backend: 'local' }, _rules_: [{ _match_route_: ['nocache'], cache: { enabled: false } }] };
    const off = await aiHost(mode, pluginConfig, { properties: { route_name: 'nocache' } });
    const on = await aiHost(mode, pluginConfig, { properties: { route_name: 'other' } });
    hosts.push(off, on);
    const plain = counting();
    await ask(off, plain.handler);
    const again = await ask(off, plain.handler);
    expect(header(again, 'x-cache')).toBeUndefined();
    await ask(on, plain.handler);
    expect(header(await ask(on, plain.handler), 'x-cache')).toBe('HIT');
    expect(plain.seen).toHaveLength(3);
  });

  it('caches embeddings the same way', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const body = { model: 'openai/text-embedding-3-small', input: ['chunk one', 'chunk two'] };
    const miss = await ask(host, up.handler, body, {}, undefined, '/v1/embeddings');
    const hit = await ask(host, up.handler, body, {}, undefined, '/v1/embeddings');
    expect([header(miss, 'x-cache'), header(hit, 'x-cache')]).toEqual(['MISS', 'HIT']);
    expect(hit.client.text).toBe(miss.client.text);
    expect(up.seen).toHaveLength(1);
  });

  it('a hit costs token limits nothing unless countCached; request limits count it', async () => {
    const limits = [
      { name: 'free', counts: 'tokens', window: 'minute', limit: 1000 },
      { name: 'charged', counts: 'tokens', window: 'minute', limit: 1000, countCached: true },
      { name: 'rpm', counts: 'requests', window: 'minute', limit: 100 },
    ];
    const host = await cacheHost(mode, {}, { rateLimits: limits });
    const up = counting();
    const body = chatBody('openai/gpt-4.1', { max_tokens: 10 });
    await ask(host, up.handler, body);
    for (let i = 0; i < 3; i++) expect(header(await ask(host, up.handler, body), 'x-cache')).toBe('HIT');
    const probe = await ask(host, up.handler, chatBody('openai/gpt-4o', { max_tokens: 10 }));
    expect(filterState(probe, 'ai_log')).toMatchObject({ ratelimit_remaining: { rpm: 100 - 5 } });
    const left = (filterState(probe, 'ai_log') as { ratelimit_remaining: Record<string, number> }).ratelimit_remaining;
    expect(left.free - left.charged).toBe(3 * 18);
  });
});

describe('the Envoy build', () => {
  it('refuses backend redis for the cache, naming the field', async () => {
    await expect(aiHost('envoy', { provider: { type: 'github', apiTokens: [TOKEN] }, redis: { serviceName: 'redis.static' }, cache: { backend: 'redis' } })).rejects.toThrow(/proxy_on_configure returned false/);
  });
});
