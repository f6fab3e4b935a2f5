/**
 * Provider fallback (`fallbackProviders`, `fallbackOnStatus`, a `cluster` per provider): GitHub Models
 * first — retired, so it answers 410 — and Azure AI Foundry as fallback, so clients keep working. The
 * request goes to the fallback with that provider's path, host, key and model mapping through its
 * cluster; the answer says which provider gave it (`x-ai-proxy-provider`, `wasm.ai_log`); retries come
 * first, fallbacks in order, statuses outside `fallbackOnStatus` pass through, and the configuration
 * refuses fallbacks it cannot reach. On both builds and the bundle; no key in any log or reply.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogStore } from '../../../harness/src/state/logs.ts';
import type { Host, HostOptions, UpstreamRequest, UpstreamResponse } from '../../../harness/src/index.ts';
import { chatChunks, chatCompletion, sseEvents, type ChatRequest } from '../fake/responses.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, aiHost, chatBody, expectNoSecrets, filterState, send, type PluginMode } from '../test-support/ai-host.ts';

const GH_TOKEN = 'ghp_fallback_suite_token_01';
const GH_OTHER = 'ghp_fallback_suite_token_02';
const AZ_KEY = 'azure-key-fallback-suite-0003';
const AZ_CLUSTER = 'outbound|443||fallback.services.ai.azure.com.dns';
const GH_CLUSTER = 'outbound|443||models.github.ai.dns';

let fake: FakeGitHubModels;
let foundry: UpstreamRequest[];
let foundryStatus: number;

function foundryHandler(request: UpstreamRequest): UpstreamResponse {
  foundry.push(request);
  const header = (name: string) => request.headers.find(([k]) => k === name)?.[1];
  if (header('api-key') !== AZ_KEY) return { status: 401, headers: [['content-type', 'application/json']], chunks: [Buffer.from('{"error":{"code":"401","message":"Access denied"}}')], trailers: [] };
  if (foundryStatus !== 200) return { status: foundryStatus, headers: [['content-type', 'application/json']], chunks: [Buffer.from('{"error":{"code":"busy"}}')], trailers: [] };
  const chat = JSON.parse(Buffer.from(request.body).toString()) as ChatRequest;
  if (chat.stream) return { status: 200, headers: [['content-type', 'text/event-stream']], chunks: sseEvents(chatChunks(chat, 'chatcmpl-foundry', 1), '\n').map((e) => Buffer.from(e)), trailers: [] };
  return { status: 200, headers: [['content-type', 'application/json'], ['apim-request-id', 'req-1']], chunks: [Buffer.from(JSON.stringify(chatCompletion(chat, 'chatcmpl-foundry', 1)))], trailers: [] };
}

beforeEach(async () => {
  fake = await startFakeGitHubModels({ tokens: [GH_TOKEN, GH_OTHER], retired: true });
  foundry = [];
  foundryStatus = 200;
});
afterEach(async () => {
  await fake.close();
});

function config(github: Record<string, unknown> = {}, azure: Record<string, unknown> = {}) {
  return {
    providers: [
      { id: 'github', type: 'github', apiTokens: [GH_TOKEN], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' }, fallbackProviders: ['foundry'], ...github },
      { id: 'foundry', type: 'azure-ai-foundry', providerDomain: 'fallback.services.ai.azure.com', apiTokens: [AZ_KEY], modelMapping: { 'gpt-4.1': 'gpt-4.1-foundry' }, cluster: AZ_CLUSTER, ...azure },
    ],
    activeProviderId: 'github',
  };
}

const hosts: Host[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) expectNoSecrets(host, [], [GH_TOKEN, GH_OTHER, AZ_KEY]);
});

async function fallbackHost(mode: PluginMode, pluginConfig: object, options: Partial<HostOptions> = {}): Promise<Host> {
  const host = await aiHost(mode, pluginConfig, { properties: { cluster_name: GH_CLUSTER }, clusters: { [AZ_CLUSTER]: foundryHandler, [GH_CLUSTER]: fake.url }, ...options });
  hosts.push(host);
  return host;
}

describe.each(MODES)('provider fallback (%s)', (mode) => {
  it("answers GitHub's 410 with Azure AI Foundry's answer, sent with Foundry's path, host, key and model mapping", async () => {
    const host = await fallbackHost(mode, config());
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1'), path: '/v1/chat/completions?trace=1' });
    expect(result.status).toBe(200);
    expect(result.client.header('x-ai-proxy-provider')).toBe('foundry');
    expect(result.client.header('apim-request-id')).toBe('req-1');
    expect(result.client.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Echo: hello from the test' } }] });
    expect(foundry).toHaveLength(1);
    const sent = foundry[0]!;
    expect(sent.path).toBe('/models/chat/completions?api-version=2024-05-01-preview&trace=1');
    expect(sent.authority).toBe('fallback.services.ai.azure.com');
    expect(JSON.parse(Buffer.from(sent.body).toString()).model).toBe('gpt-4.1-foundry');
    expect(sent.headers.some(([k]) => k === 'authorization')).toBe(false);
    expect(filterState(result, 'ai_log')).toMatchObject({ provider: 'foundry', request_model: 'gpt-4.1', upstream_model: 'gpt-4.1-foundry', status: 200, attempts: 2 });
    expectNoSecrets(host, [result], [GH_TOKEN, AZ_KEY]);
  });

  it('streams: the fallback answer reaches the client as SSE, usage read from it', async () => {
    const host = await fallbackHost(mode, config());
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1', { stream: true }) });
    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toBe('text/event-stream');
    expect(JSON.parse(Buffer.from(foundry[0]!.body).toString()).stream_options).toEqual({ include_usage: true });
    expect(filterState(result, 'ai_log')).toMatchObject({ provider: 'foundry', stream: true, complete: true });
  });

  it('retries with the other GitHub token first, then falls back', async () => {
    const host = await fallbackHost(mode, config({ apiTokens: [GH_TOKEN, GH_OTHER], tokenStrategy: 'round-robin', retryOnFailure: { enabled: true } }));
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${GH_TOKEN}`, `Bearer ${GH_OTHER}`]);
    expect(foundry).toHaveLength(1);
    expect(filterState(result, 'ai_log')).toMatchObject({ provider: 'foundry', attempts: 3 });
  });

  it('gives the last answer when the fallback fails too, and passes statuses outside fallbackOnStatus through', async () => {
    foundryStatus = 503;
    const host = await fallbackHost(mode, config());
    const failed = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(failed.status).toBe(503);
    expect(failed.client.header('x-ai-proxy-provider')).toBe('foundry');
    const narrow = await fallbackHost(mode, config({ fallbackOnStatus: ['^5'] }));
    const passed = await send(narrow, fake.url, { body: chatBody('gpt-4.1') });
    expect(passed.status).toBe(410);
    expect(passed.client.header('x-ai-proxy-provider')).toBe('github');
    expect(foundry).toHaveLength(1);
  });

  it('marks a first-try answer with the provider that gave it', async () => {
    fake.setOptions({ retired: false });
    const host = await fallbackHost(mode, config());
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect(result.client.header('x-ai-proxy-provider')).toBe('github');
    expect(foundry).toHaveLength(0);
    expect(filterState(result, 'ai_log')).toMatchObject({ provider: 'github', attempts: 1 });
  });
});

describe.each(MODES)('fallback configuration (%s)', (mode) => {
  it.each([
    ['an unknown id', config({ fallbackProviders: ['nope'] }), /providers\[0\]\.fallbackProviders\[0\]: expected the id of another provider in "providers" \("foundry"\)/],
    ['itself', config({ fallbackProviders: ['github'] }), /fallbackProviders\[0\]: expected the id of another provider, not this one/],
    ['a provider without a cluster', config({}, { cluster: undefined }), /fallbackProviders\[0\]: expected a provider with a "cluster"/],
  ])('refuses a fallback to %s, naming the field', async (_what, pluginConfig, message) => {
    const spy = vi.spyOn(LogStore.prototype, 'add');
    try {
      await expect(fallbackHost(mode, pluginConfig)).rejects.toThrow(/proxy_on_configure returned false/);
      const errors = spy.mock.calls.map(([entry]) => entry).filter((e) => e.level === 'error').map((e) => e.message);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    } finally {
      spy.mockRestore();
    }
  });
});
