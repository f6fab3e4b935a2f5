/**
 * `rateLimits` with `backend: local` (shared data, one budget for every worker VM) on both builds and the
 * bundle: exactly N of many requests admitted across four workers, the sliding window on the virtual
 * clock (no boundary burst; `retry-after` says when the next request fits), keys and per-key limits,
 * missing keys, the 429 in OpenAI's shape with OpenAI's headers, limit headers on admitted answers (the
 * stricter of ours and the upstream's), token reservations corrected by the real usage (plain and
 * streamed) or returned when the answer dies, metrics per limit and key class, `ratelimit_remaining`
 * in ai_log. No token ever appears in what the client or the logs see.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogStore } from '../../../harness/src/state/logs.ts';
import type { ExchangeResult, Host, HostOptions, UpstreamHandler } from '../../../harness/src/index.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, type PluginMode } from '../test-support/ai-host.ts';

const hosts: Host[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) expectNoSecrets(host, [], [TOKEN]);
});

const encoder = new TextEncoder();
interface Answer { usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }; headers?: Array<[string, string]>; sse?: boolean; cut?: boolean }

/** An upstream answering chat with the usage given per request (`x-usage` header: prompt,completion). */
function upstream(answer: (body: Record<string, unknown>) => Answer = () => ({})): UpstreamHandler {
  return (request) => {
    const body = JSON.parse(Buffer.from(request.body).toString()) as Record<string, unknown>;
    const a = answer(body);
    const usage = a.usage ?? { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    if (a.sse) {
      const events = [`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'hi' } }] })}\n\n`];
      if (!a.cut) events.push(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [], usage })}\n\n`, 'data: [DONE]\n\n');
      return { status: 200, headers: [['content-type', 'text/event-stream'], ...(a.headers ?? [])], chunks: events.map((e) => encoder.encode(e)), trailers: [], ...(a.cut ? { reset: true } : {}) };
    }
    const json = JSON.stringify({ id: 'c', object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage });
    return { status: 200, headers: [['content-type', 'application/json'], ...(a.headers ?? [])], chunks: [encoder.encode(json)], trailers: [] };
  };
}

function config(rateLimits: object[], extra: Record<string, unknown> = {}): object {
  return { provider: { type: 'github', apiTokens: [TOKEN] }, rateLimits, ...extra };
}

async function limitHost(mode: PluginMode, rateLimits: object[], options: Partial<HostOptions> = {}): Promise<Host> {
  const host = await aiHost(mode, config(rateLimits), { workers: 4, ...options });
  hosts.push(host);
  return host;
}

function chat(host: Host, handler: UpstreamHandler, options: { headers?: Record<string, string>; body?: Record<string, unknown>; worker?: number } = {}): Promise<ExchangeResult> {
  return host.exchange({ headers: { ...CHAT_HEADERS, ...options.headers }, body: JSON.stringify(options.body ?? chatBody()) }, { upstream: handler, worker: options.worker });
}

const header = (r: ExchangeResult, name: string) => r.client.headers?.find(([k]) => k === name)?.[1];
const errorOf = (r: ExchangeResult) => (JSON.parse(r.client.text) as { error: { type: string; code: string; message: string } }).error;
const counter = (host: Host, name: string) => {
  const value = host.metrics.all().find((m) => m.name === name)?.value;
  return value === undefined ? undefined : Number(value);
};

describe.each(MODES)('local rate limits (%s)', (mode) => {
  it('admits exactly N of 10×N requests interleaved over four workers, and answers the rest 429 in OpenAI shape', async () => {
    const host = await limitHost(mode, [{ name: 'rpm', counts: 'requests', window: 'minute', limit: 5 }]);
    const handler = upstream();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(host, handler, { worker: i % 4 })));
    const admitted = results.filter((r) => r.status === 200);
    expect(admitted).toHaveLength(5);
    const rejected = results.filter((r) => r.status === 429);
    expect(rejected).toHaveLength(45);
    for (const r of rejected) {
      expect(r.upstream).toBeUndefined();
      const error = errorOf(r);
      expect(error.type).toBe('rate_limit_exceeded');
      expect(error.code).toBe('rpm');
      expect(error.message).toMatch(/^Rate limit "rpm" reached \(5 requests per minute\); try again in \d+ s$/);
      const retry = Number(header(r, 'retry-after'));
      expect(retry).toBeGreaterThanOrEqual(12);
      expect(retry).toBeLessThanOrEqual(120);
      expect(error.message).toContain(`try again in ${retry} s`);
      expect(header(r, 'x-ratelimit-limit-requests')).toBe('5');
      expect(header(r, 'x-ratelimit-remaining-requests')).toBe('0');
      expect(header(r, 'x-ratelimit-reset-requests')).toMatch(/^\d+m\d+s$|^\d+(\.\d)?s$/);
      expect(r.stream.localReply?.details).toBe('ai-proxy.rate_limited');
    }
    expect(counter(host, 'ai_proxy.ratelimit.rpm.default.admitted')).toBe(5);
    expect(counter(host, 'ai_proxy.ratelimit.rpm.default.rejected')).toBe(45);
    expect(counter(host, 'ai_proxy.route.unknown.model.openai/gpt-4_1.requests')).toBe(5);
    expect(filterState(rejected[0]!, 'ai_log')).toMatchObject({ status: 429, attempts: 0, ratelimit_remaining: { rpm: 0 } });
  });

  it('slides: no burst at the window boundary, and a request fits again when retry-after said', async () => {
    const host = await limitHost(mode, [{ name: 'rps', counts: 'requests', window: 'second', limit: 4 }]);
    const handler = upstream();
    host.advanceTime(1000 - (Number(host.clock.wallNs() / 1_000_000n) % 1000) - 100);
    for (let i = 0; i < 4; i++) expect((await chat(host, handler)).status).toBe(200);
    const refused = await chat(host, handler);
    expect(refused.status).toBe(429);
    host.advanceTime(101);
    const afterBoundary = await Promise.all(Array.from({ length: 4 }, () => chat(host, handler)));
    expect(afterBoundary.filter((r) => r.status === 200)).toHaveLength(0);
    host.advanceTime(300);
    const quarter = await Promise.all(Array.from({ length: 4 }, () => chat(host, handler)));
    expect(quarter.filter((r) => r.status === 200)).toHaveLength(1);
    host.advanceTime(2000);
    expect((await chat(host, handler)).status).toBe(200);
  });

  it('keys by consumer with per-key limits; a request without the key shares the "" key unless skipWhenMissing', async () => {
    const host = await limitHost(mode, [
      { name: 'per-consumer', counts: 'requests', window: 'minute', limit: 1, by: 'consumer', keys: { vip: 3 } },
      { name: 'per-team', counts: 'requests', window: 'minute', limit: 1, by: 'header:x-team', skipWhenMissing: true },
    ]);
    const handler = upstream();
    const as = (consumer?: string, team?: string) => chat(host, handler, { headers: { ...(consumer ? { 'x-mse-consumer': consumer } : {}), ...(team ? { 'x-team': team } : {}) } });
    expect([(await as('alice')).status, (await as('alice')).status, (await as('bob')).status]).toEqual([200, 429, 200]);
    expect([(await as('vip')).status, (await as('vip')).status, (await as('vip')).status, (await as('vip')).status]).toEqual([200, 200, 200, 429]);
    expect([(await as()).status, (await as()).status]).toEqual([200, 429]);
    expect(errorOf(await as()).code).toBe('per-consumer');
    expect([(await as('carol', 'red')).status, (await as('dave', 'red')).status]).toEqual([200, 429]);
    expect(errorOf(await as('erin', 'red')).code).toBe('per-team');
    expect(counter(host, 'ai_proxy.ratelimit.per-consumer.key.admitted')).toBe(3);
    expect(counter(host, 'ai_proxy.ratelimit.per-consumer.missing.rejected')).toBe(2);
  });

  it('keys by model, route, query parameter, cookie and the first x-forwarded-for address', async () => {
    const host = await limitHost(mode, [
      { name: 'm', counts: 'requests', window: 'minute', limit: 1, by: 'model', skipWhenMissing: true },
      { name: 'q', counts: 'requests', window: 'minute', limit: 1, by: 'query:tenant', skipWhenMissing: true },
      { name: 'c', counts: 'requests', window: 'minute', limit: 1, by: 'cookie:sid', skipWhenMissing: true },
      { name: 'ip', counts: 'requests', window: 'minute', limit: 1, by: 'ip:x-forwarded-for', skipWhenMissing: true },
    ]);
    const handler = upstream();
    const go = (headers: Record<string, string>, model = 'openai/gpt-4.1') => chat(host, handler, { headers, body: chatBody(model) });
    expect((await go({})).status).toBe(200);
    expect(errorOf(await go({})).code).toBe('m');
    expect((await go({}, 'openai/gpt-4o')).status).toBe(200);
    expect((await go({ ':path': '/v1/chat/completions?tenant=a%20b' }, 'm1')).status).toBe(200);
    expect(errorOf(await go({ ':path': '/v1/chat/completions?x=1&tenant=a+b' }, 'm2')).code).toBe('q');
    expect((await go({ cookie: 'a=1; sid=s1' }, 'm3')).status).toBe(200);
    expect(errorOf(await go({ cookie: 'sid=s1' }, 'm4')).code).toBe('c');
    expect((await go({ cookie: 'sid=s2' }, 'm5')).status).toBe(200);
    expect((await go({ 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }, 'm6')).status).toBe(200);
    expect(errorOf(await go({ 'x-forwarded-for': '203.0.113.7' }, 'm7')).code).toBe('ip');
  });

  it('reserves the estimate of a token limit on admission and corrects it with the usage of a plain answer', async () => {
    const host = await limitHost(mode, [{ name: 'tpm', counts: 'tokens', window: 'minute', limit: 1000 }]);
    const body = chatBody('openai/gpt-4.1', { max_tokens: 300 });
    const estimate = Math.ceil(JSON.stringify(body).length / 4) + 300;
    const handler = upstream(() => ({ usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 } }));
    const first = await chat(host, handler, { body });
    expect(first.status).toBe(200);
    expect(filterState(first, 'ai_log')).toMatchObject({ ratelimit_remaining: { tpm: 1000 - estimate } });
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => chat(host, handler, { body })));
    expect(concurrent.filter((r) => r.status === 200)).toHaveLength(Math.floor((1000 - 50) / estimate));
    const host2 = await limitHost(mode, [{ name: 'tpm', counts: 'tokens', window: 'minute', limit: 1000 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await chat(host2, handler, { body })).status!);
    const fits = Math.floor((1000 - estimate) / 50) + 1;
    expect(statuses).toEqual([...Array<number>(fits).fill(200), ...Array<number>(25 - fits).fill(429)]);
  });

  it('corrects a streamed answer by its usage; an error answer gives the reservation back, a 2xx answer cut mid-stream keeps it', async () => {
    const limits = [{ name: 'tpm', counts: 'tokens', window: 'minute', limit: 2000, defaultMaxTokens: 500 }];
    const body = chatBody('openai/gpt-4.1', { stream: true });
    const estimate = Math.ceil(JSON.stringify(body).length / 4) + 500;
    const streamed = upstream(() => ({ sse: true, usage: { prompt_tokens: 100, completion_tokens: 100, total_tokens: 200 } }));
    const failing: UpstreamHandler = () => ({ status: 500, headers: [['content-type', 'application/json']], chunks: [encoder.encode('{"error":{"message":"boom"}}')], trailers: [] });
    const host = await limitHost(mode, limits);
    for (let i = 0; i < 3; i++) expect((await chat(host, failing, { body })).status).toBe(500);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await chat(host, streamed, { body })).status!);
    const fits = Math.floor((2000 - estimate) / 200) + 1;
    expect(statuses).toEqual([...Array<number>(fits).fill(200), ...Array<number>(12 - fits).fill(429)]);
    const cutHost = await limitHost(mode, limits);
    const cut = upstream(() => ({ sse: true, cut: true }));
    const cutStatuses: number[] = [];
    for (let i = 0; i < 5; i++) cutStatuses.push((await chat(cutHost, cut, { body })).status ?? 0);
    const kept = Math.floor(2000 / estimate);
    expect(cutStatuses.slice(kept)).toEqual(Array<number>(5 - kept).fill(429));
    expect(cutStatuses.slice(0, kept).every((s) => s !== 429)).toBe(true);
  });

  it('is not retried or sent to a fallback: a refused request stays refused', async () => {
    const cluster = 'outbound|443||models.github.ai.dns';
    const pluginConfig = {
      providers: [
        { id: 'gh', type: 'github', apiTokens: [TOKEN, `${TOKEN}_second`], cluster, retryOnFailure: { enabled: true, maxRetries: 2 }, fallbackProviders: ['other'] },
        { id: 'other', type: 'openai-compatible', providerDomain: 'other.example', apiTokens: ['sk-other-token-0123'], cluster },
      ],
      activeProviderId: 'gh',
      rateLimits: [{ name: 'rpm', counts: 'requests', window: 'minute', limit: 1 }],
    };
    const host = await aiHost(mode, pluginConfig, { properties: { cluster_name: cluster }, clusters: { [cluster]: upstream() } });
    hosts.push(host);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await chat(host, upstream()));
    expect(results.map((r) => r.status)).toEqual([200, 429, 429, 429]);
    expect(results.slice(1).map((r) => r.stream.localReply?.details)).toEqual(Array<string>(3).fill('ai-proxy.rate_limited'));
    expect(host.callouts).toEqual([]);
  });

  it('caps a default reservation larger than the limit at the limit: admitted into an empty window, then corrected', async () => {
    const host = await limitHost(mode, [{ name: 'small', counts: 'tokens', window: 'minute', limit: 100 }]);
    const first = await chat(host, upstream(() => ({ usage: { prompt_tokens: 30, completion_tokens: 30, total_tokens: 60 } })));
    expect(first.status).toBe(200);
    expect(filterState(first, 'ai_log')).toMatchObject({ ratelimit_remaining: { small: 0 } });
    const second = await chat(host, upstream());
    expect(second.status).toBe(429);
    expect(header(second, 'retry-after')).toBeDefined();
  });

  it('shows the limit headers on admitted answers with showLimitHeaders, keeping the upstream\'s when they are stricter', async () => {
    const host = await limitHost(mode, [
      { name: 'rpm', counts: 'requests', window: 'minute', limit: 10, showLimitHeaders: true },
      { name: 'tpm', counts: 'tokens', window: 'minute', limit: 100000, showLimitHeaders: true },
    ]);
    const plain = await chat(host, upstream());
    expect(header(plain, 'x-ratelimit-limit-requests')).toBe('10');
    expect(header(plain, 'x-ratelimit-remaining-requests')).toBe('9');
    expect(header(plain, 'x-ratelimit-reset-requests')).toMatch(/s$/);
    expect(header(plain, 'x-ratelimit-limit-tokens')).toBe('100000');
    const strict = await chat(host, upstream(() => ({ headers: [['x-ratelimit-limit-requests', '3'], ['x-ratelimit-remaining-requests', '2'], ['x-ratelimit-reset-requests', '20ms']] })));
    expect([header(strict, 'x-ratelimit-limit-requests'), header(strict, 'x-ratelimit-remaining-requests'), header(strict, 'x-ratelimit-reset-requests')]).toEqual(['3', '2', '20ms']);
    const loose = await chat(host, upstream(() => ({ headers: [['x-ratelimit-remaining-requests', '5000']] })));
    expect(header(loose, 'x-ratelimit-remaining-requests')).toBe('7');
  });

  it('refuses a request whose reservation exceeds the limit for good: no retry-after, x-should-retry false', async () => {
    const host = await limitHost(mode, [{ name: 'tpm', counts: 'tokens', window: 'minute', limit: 100 }]);
    const r = await chat(host, upstream(), { body: chatBody('openai/gpt-4.1', { max_tokens: 5000 }) });
    expect(r.status).toBe(429);
    expect(header(r, 'retry-after')).toBeUndefined();
    expect(header(r, 'x-should-retry')).toBe('false');
    expect(errorOf(r).message).toContain('can never admit this request');
  });

  it('limits the model list by requests, and a rejected request by another limit gives back what the first charged', async () => {
    const host = await limitHost(mode, [
      { name: 'a', counts: 'requests', window: 'minute', limit: 3 },
      { name: 'b', counts: 'requests', window: 'minute', limit: 1, by: 'header:x-user', skipWhenMissing: true },
    ]);
    const handler = upstream();
    expect((await chat(host, handler, { headers: { 'x-user': 'u' } })).status).toBe(200);
    expect(errorOf(await chat(host, handler, { headers: { 'x-user': 'u' } })).code).toBe('b');
    expect(errorOf(await chat(host, handler, { headers: { 'x-user': 'u' } })).code).toBe('b');
    expect((await chat(host, handler)).status).toBe(200);
    const models = await host.exchange({ headers: { ':method': 'GET', ':path': '/v1/models', ':authority': 'gateway.local' } }, { upstream: () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode('[]')], trailers: [] }) });
    expect(models.status).toBe(200);
    expect(errorOf(await chat(host, handler)).code).toBe('a');
  });
});

describe.each(MODES)('rate limits per _rules_ entry (%s)', (mode) => {
  it('a rule replaces the global list for its route; a rule without one keeps the global list', async () => {
    const rateLimits = [{ name: 'global', counts: 'requests', window: 'minute', limit: 1 }];
    const pluginConfig = {
      provider: { type: 'github', apiTokens: [TOKEN] },
      rateLimits,
      _rules_: [
        { _match_route_: ['premium'], rateLimits: [{ name: 'premium', counts: 'requests', window: 'minute', limit: 3 }] },
        { _match_route_: ['other'], provider: { type: 'github', apiTokens: [TOKEN], timeout: 5000 } },
      ],
    };
    const statuses = async (route: string) => {
      const host = await aiHost(mode, pluginConfig, { properties: { route_name: route } });
      hosts.push(host);
      const out: Array<number | string> = [];
      for (let i = 0; i < 4; i++) {
        const r = await chat(host, upstream());
        out.push(r.status === 429 ? errorOf(r).code : r.status!);
      }
      return out;
    };
    expect(await statuses('premium')).toEqual([200, 200, 200, 'premium']);
    expect(await statuses('other')).toEqual([200, 'global', 'global', 'global']);
    expect(await statuses('plain')).toEqual([200, 'global', 'global', 'global']);
  });
});

describe('the Envoy build', () => {
  it('rejects backend redis at configure time, naming the field', async () => {
    const spy = vi.spyOn(LogStore.prototype, 'add');
    try {
      await expect(aiHost('envoy', config([{ name: 'r', counts: 'requests', window: 'minute', limit: 1, backend: 'redis' }], { redis: { serviceName: 'redis.static', password: 'sekret-pass' } }))).rejects.toThrow(/proxy_on_configure returned false/);
      const errors = spy.mock.calls.map(([entry]) => entry.message).filter((m) => m.startsWith('invalid plugin configuration'));
      expect(errors).toEqual([expect.stringMatching(/^invalid plugin configuration: rateLimits\[0\]\.backend: a Redis rate limit needs the Higress build/)]);
      for (const [entry] of spy.mock.calls) expect(entry.message).not.toContain('sekret-pass');
    } finally {
      spy.mockRestore();
    }
  });
});
