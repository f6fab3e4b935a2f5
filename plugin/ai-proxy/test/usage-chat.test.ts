/**
 * Usage of chat answers: prompt, completion and total tokens and the answering model, read from SSE
 * (with the `include_usage` the plugin adds) and from JSON answers, recorded in the filter state
 * `wasm.ai_log` and in counters `ai_proxy.route.<route>.model.<model>.*` labelled by the host's
 * `route_name`. Metric labels keep letters, digits, `_`, `-` and `/`; other characters (the dots of
 * `gpt-4.1`) become `_`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, UpstreamHandler } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

const ROUTE = 'chat-route';
const MAPPING = { 'gpt-4.1': 'openai/gpt-4.1' };

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels({ sseChunking: 'byte-split' });
});
afterAll(async () => {
  await fake.close();
});

function counter(host: Host, name: string): bigint {
  return host.metrics.find(`ai_proxy.route.${ROUTE}.model.${name}`, 'counter')?.value ?? 0n;
}

function counters(host: Host, model: string) {
  const c = (k: string) => counter(host, `${model}.${k}`);
  return { requests: c('requests'), input: c('input_token'), output: c('output_token'), total: c('total_token') };
}

function usageHost(mode: (typeof MODES)[number], extra: Record<string, unknown> = {}) {
  return aiHost(mode, githubConfig({ modelMapping: MAPPING, ...extra }), { properties: { route_name: ROUTE } });
}

/** An upstream that answers SSE whose chunks name another model and cut events and CRLF pairs apart. */
const snapshotStream: UpstreamHandler = () => {
  const events = [
    { id: 'c1', object: 'chat.completion.chunk', model: '', choices: [], prompt_filter_results: [] },
    { id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4.1-2025-04-14', choices: [{ index: 0, delta: { content: 'hi' } }], usage: null },
    { id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4.1-2025-04-14', choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } },
  ];
  const text = events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('') + 'data: [DONE]\r\n\r\n';
  const cuts = [5, 60, text.indexOf('\r\n') + 1, text.lastIndexOf('"usage"') + 3, text.length - 3];
  const points = [0, ...cuts.sort((a, b) => a - b), text.length];
  const chunks = points.slice(1).map((end, i) => new TextEncoder().encode(text.slice(points[i], end)));
  return { status: 200, headers: [['content-type', 'text/event-stream']], chunks, trailers: [] };
};

describe.each(MODES)('usage of chat answers (%s)', (mode) => {
  it('reads usage and model from a streamed answer and records them in ai_log and per-route metrics', async () => {
    const host = await usageHost(mode);
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1', { stream: true }) });

    expect(result.status).toBe(200);
    expect(JSON.parse(fake.requests.at(-1)!.body)).toMatchObject({ model: 'openai/gpt-4.1', stream_options: { include_usage: true } });
    expect(filterState(result, 'ai_log')).toEqual({
      provider: 'github', api: 'chat', request_model: 'gpt-4.1', upstream_model: 'openai/gpt-4.1', model: 'openai/gpt-4.1',
      stream: true, status: 200, input_token: 4, output_token: 5, total_token: 9, complete: true, attempts: 1,
    });
    expect(counters(host, 'openai/gpt-4_1')).toEqual({ requests: 1n, input: 4n, output: 5n, total: 9n });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('reads usage and model from a JSON answer', async () => {
    const host = await usageHost(mode);
    const body = chatBody('gpt-4.1', { messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'one two three' }] });
    const result = await send(host, fake.url, { body });

    expect(result.status).toBe(200);
    expect(result.client.json()).toMatchObject({ model: 'openai/gpt-4.1', usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } });
    expect(filterState(result, 'ai_log')).toEqual({
      provider: 'github', api: 'chat', request_model: 'gpt-4.1', upstream_model: 'openai/gpt-4.1', model: 'openai/gpt-4.1',
      stream: false, status: 200, input_token: 5, output_token: 4, total_token: 9, complete: true, attempts: 1,
    });
    expect(counters(host, 'openai/gpt-4_1')).toEqual({ requests: 1n, input: 5n, output: 4n, total: 9n });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('adds up the counters of several requests per model', async () => {
    const host = await usageHost(mode);
    const results = [
      await send(host, fake.url, { body: chatBody('gpt-4.1', { stream: true }) }),
      await send(host, fake.url, { body: chatBody('openai/gpt-4.1') }),
      await send(host, fake.url, { body: chatBody('microsoft/Phi-4', { stream: true }) }),
    ];

    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(counters(host, 'openai/gpt-4_1')).toEqual({ requests: 2n, input: 8n, output: 10n, total: 18n });
    expect(counters(host, 'microsoft/Phi-4')).toEqual({ requests: 1n, input: 4n, output: 5n, total: 9n });
    expectNoSecrets(host, results, [TOKEN]);
  });

  it('takes the answering model from the stream, skipping an empty one, across CRLF pairs and events cut apart', async () => {
    const host = await usageHost(mode);
    const result = await host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody('gpt-4.1', { stream: true })) }, { upstream: snapshotStream });

    expect(result.status).toBe(200);
    expect(result.client.chunks.length).toBe(6);
    expect(filterState(result, 'ai_log')).toMatchObject({ upstream_model: 'openai/gpt-4.1', model: 'gpt-4.1-2025-04-14', input_token: 11, output_token: 7, total_token: 18 });
    expect(counters(host, 'gpt-4_1-2025-04-14')).toEqual({ requests: 1n, input: 11n, output: 7n, total: 18n });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('records zeros and still counts the request when the client opts out of stream usage', async () => {
    const host = await usageHost(mode);
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1', { stream: true, stream_options: { include_usage: false } }) });

    expect(result.status).toBe(200);
    expect(result.client.text).toContain('data: [DONE]');
    expect(filterState(result, 'ai_log')).toMatchObject({ model: 'openai/gpt-4.1', stream: true, status: 200, input_token: 0, output_token: 0, total_token: 0 });
    expect(counters(host, 'openai/gpt-4_1')).toEqual({ requests: 1n, input: 0n, output: 0n, total: 0n });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('records zeros when stream usage is disabled in the configuration, and does not ask for it', async () => {
    const host = await usageHost(mode, { disableStreamUsageStats: true });
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1', { stream: true }) });

    expect(result.status).toBe(200);
    expect(JSON.parse(fake.requests.at(-1)!.body).stream_options).toBeUndefined();
    expect(filterState(result, 'ai_log')).toMatchObject({ stream: true, input_token: 0, output_token: 0, total_token: 0 });
    expect(counters(host, 'openai/gpt-4_1').requests).toBe(1n);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('labels the counters "unknown" when the route has no name', async () => {
    const host = await aiHost(mode, githubConfig());
    const result = await send(host, fake.url, { body: chatBody() });

    expect(result.status).toBe(200);
    expect(host.metrics.find('ai_proxy.route.unknown.model.openai/gpt-4_1.requests', 'counter')?.value).toBe(1n);
    expectNoSecrets(host, [result], [TOKEN]);
  });
});
