/**
 * `retryOnFailure` (Higress's fields and defaults) against the fake GitHub Models server taught per-token
 * failures: a 429 (with `retry-after`), a 401, a reset connection, a token slower than `retryTimeout`.
 * The failed answer is held and the request re-sent as it went upstream (same path and mapped body)
 * with the next untried token through the route's cluster; the client gets the retried answer (a
 * streamed one as SSE in one piece) or, when retries run out, the last answer unchanged; `wasm.ai_log`
 * and the metrics describe the answer the client got and the attempts it took. On the Higress build,
 * the Envoy build and the bundle; no token in any log, reply, header or metric.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, HostOptions } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type TokenBehaviour } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, aiHost, chatBody, expectNoSecrets, filterState, send, type PluginMode } from '../test-support/ai-host.ts';

const CLUSTER = 'outbound|443||models.github.ai.dns';
const RATE_LIMITED = 'ghp_token_rate_limited_0001';
const GOOD = 'ghp_token_good_0002';
const REVOKED = 'ghp_token_revoked_0003';
const RESETS = 'ghp_token_resets_0004';
const SLOW = 'ghp_token_slow_0005';
const ALL = [RATE_LIMITED, GOOD, REVOKED, RESETS, SLOW];

let fake: FakeGitHubModels;
beforeEach(async () => {
  const tokenBehaviour: Record<string, TokenBehaviour> = { [RATE_LIMITED]: 'rate-limited', [RESETS]: 'reset', [SLOW]: { delayMs: 1500 } };
  fake = await startFakeGitHubModels({ tokens: [RATE_LIMITED, GOOD, RESETS, SLOW], tokenBehaviour });
});
afterEach(async () => {
  await fake.close();
});

function config(apiTokens: string[], retryOnFailure: Record<string, unknown> = { enabled: true }, extra: Record<string, unknown> = {}) {
  return { provider: { type: 'github', apiTokens, tokenStrategy: 'round-robin', modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' }, retryOnFailure, ...extra } };
}

const hosts: Host[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) expectNoSecrets(host, [], ALL);
});

async function retryHost(mode: PluginMode, pluginConfig: object, options: Partial<HostOptions> = {}): Promise<Host> {
  const host = await aiHost(mode, pluginConfig, { properties: { cluster_name: CLUSTER }, clusters: { [CLUSTER]: fake.url }, ...options });
  hosts.push(host);
  return host;
}

const bearer = (i: number) => fake.requests[i]?.headers.authorization;

function expectAiLog(result: ExchangeResult, expected: Record<string, unknown>) {
  expect(filterState(result, 'ai_log')).toMatchObject(expected);
}

describe.each(MODES)('retryOnFailure (%s)', (mode) => {
  it('answers a 429 with the retried 200 of the next token, the body resent as mapped, and records two attempts', async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, GOOD]));
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toMatch(/^application\/json/);
    expect(result.client.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Echo: hello from the test' } }] });
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${RATE_LIMITED}`, `Bearer ${GOOD}`]);
    expect(fake.requests[1]!.path).toBe(fake.requests[0]!.path);
    expect(fake.requests[1]!.body).toBe(fake.requests[0]!.body);
    expect(JSON.parse(fake.requests[1]!.body).model).toBe('openai/gpt-4.1');
    expectAiLog(result, { status: 200, attempts: 2, request_model: 'gpt-4.1', model: 'openai/gpt-4.1', complete: true });
    expect((filterState(result, 'ai_log') as { input_token: number }).input_token).toBeGreaterThan(0);
    const requests = host.metrics.all().find((m) => m.name.endsWith('.model.openai/gpt-4_1.requests'));
    expect(Number(requests?.value)).toBe(1);
    expect(host.callouts.map((c) => c.cluster)).toEqual([CLUSTER]);
    expectNoSecrets(host, [result], ALL);
  });

  it('gives the client the last answer unchanged when retries run out (429, then a revoked token’s 401)', async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, REVOKED], { enabled: true, maxRetries: 3 }));
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(401);
    expect(result.client.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(bearer(1)).toBe(`Bearer ${REVOKED}`);
    expect(fake.requests).toHaveLength(2);
    expectAiLog(result, { status: 401, attempts: 2 });
    expectNoSecrets(host, [result], ALL);
  });

  it('keeps the 429 headers a client needs on a retried answer that fails too', async () => {
    const host = await retryHost(mode, config([GOOD, RATE_LIMITED]));
    fake.setOptions({ tokenBehaviour: { [GOOD]: { status: 503 }, [RATE_LIMITED]: 'rate-limited' } });
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(429);
    expect(result.client.header('retry-after')).toBe('30');
    expect(result.client.header('x-ratelimit-remaining-requests')).toBe('0');
    expectAiLog(result, { status: 429, attempts: 2 });
  });

  it('retries after Envoy’s own 503 for a reset connection', async () => {
    const host = await retryHost(mode, config([RESETS, GOOD]));
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expectAiLog(result, { status: 200, attempts: 2 });
  });

  it('answers a streaming request that failed before any byte with the retried SSE answer in one piece, usage read from its events', async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, GOOD]));
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1', { stream: true }) });
    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toMatch(/^text\/event-stream/);
    expect(result.client.text).toMatch(/^data: \{/);
    expect(result.client.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(JSON.parse(fake.requests[1]!.body).stream_options).toEqual({ include_usage: true });
    expectAiLog(result, { status: 200, attempts: 2, stream: true, complete: true });
    expect((filterState(result, 'ai_log') as { total_token: number }).total_token).toBeGreaterThan(0);
  });

  it('bounds each retry by retryTimeout: a slow token counts as a failed attempt and the next one answers', async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, SLOW, GOOD], { enabled: true, maxRetries: 2, retryTimeout: 300 }));
    const started = performance.now();
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1400);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${RATE_LIMITED}`, `Bearer ${SLOW}`, `Bearer ${GOOD}`]);
    expectAiLog(result, { status: 200, attempts: 3 });
  });

  it('stops retrying when the provider timeout is spent across attempts', async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, SLOW, GOOD], { enabled: true, maxRetries: 2, retryTimeout: 5000 }, { timeout: 400 }), { clock: 'real' });
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(504);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${RATE_LIMITED}`, `Bearer ${SLOW}`]);
    expect(host.callouts[0]!.timeoutMs).toBeLessThanOrEqual(400);
  });

  it('does not retry when disabled, with one token, or on a status retryOnStatus leaves out', async () => {
    for (const [pluginConfig, status] of [
      [config([RATE_LIMITED, GOOD], { enabled: false }), 429],
      [config([RATE_LIMITED]), 429],
      [config([RATE_LIMITED, GOOD], { enabled: true, retryOnStatus: ['^5'] }), 429],
    ] as const) {
      fake.requests.length = 0;
      const host = await retryHost(mode, pluginConfig);
      const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
      expect(result.status).toBe(status);
      expect(fake.requests).toHaveLength(1);
      expect(host.callouts).toHaveLength(0);
      expectAiLog(result, { attempts: 1 });
    }
  });

  it('stops retrying when the client went away: the pending answer is dropped and nothing more is sent', async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, REVOKED, GOOD], { enabled: true, maxRetries: 2 }));
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(CHAT_HEADERS);
    stream.sendRequestBody(JSON.stringify(chatBody('gpt-4.1')), true);
    stream.sendResponseHeaders({ ':status': '429', 'content-type': 'application/json', 'retry-after': '30' });
    expect(host.callouts).toHaveLength(1);
    stream.reset('client left');
    await host.idle();
    expect(host.callouts).toHaveLength(1);
    expect(host.callouts[0]!.state).toBe('answered');
    expect(stream.client.status).toBeUndefined();
    expect(host.logs.messages('critical')).toEqual([]);
  });

  it("answers a retry's 410 from retired GitHub Models in OpenAI's shape, as a first-try 410", async () => {
    const host = await retryHost(mode, config([RATE_LIMITED, GOOD]));
    fake.setOptions({ tokenBehaviour: { [RATE_LIMITED]: { status: 503 }, [GOOD]: { status: 410 } } });
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(410);
    expect(result.client.json()).toMatchObject({ error: { type: 'provider_retired', code: 'provider_retired' } });
  });

  it('matches retryOnStatus without anchors, as Higress does: "4.*" also matches 504', async () => {
    const host = await retryHost(mode, config([GOOD, RATE_LIMITED, GOOD], { enabled: true, retryOnStatus: ['4.*'] }));
    fake.setOptions({ tokenBehaviour: { [GOOD]: { status: 504 }, [RATE_LIMITED]: 'rate-limited' } });
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(429);
    expect(fake.requests).toHaveLength(2);
  });
});
