/**
 * Defaults and their overrides, seen from outside: `timeout` (default 120000 ms) and `firstByteTimeout`
 * bound the upstream call — a slow fake upstream makes the client get a 504 in OpenAI's error shape, and
 * the same host serves the next request; `apiVersion` is sent as `X-GitHub-Api-Version` (default
 * `2022-11-28`) and, for Azure AI Foundry, as the `api-version` query parameter.
 */
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, chatBody, holdsHeaders, expectNoSecrets, githubConfig, send, type PluginMode } from '../test-support/ai-host.ts';

const ROUTER_TIMEOUT = 'x-envoy-upstream-rq-timeout-ms';
const FIRST_BYTE_TIMEOUT = 'x-envoy-upstream-rq-first-byte-timeout-ms';

const fakes: FakeGitHubModels[] = [];
async function fake(delayMs = 0): Promise<FakeGitHubModels> {
  const started = await startFakeGitHubModels({ delayMs });
  fakes.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

/** A header as the plugin handed the request to Envoy's router (which consumes its timeout headers). */
const routerHeader = (r: ExchangeResult, name: string) => r.stream.upstream.headers?.find(([k]) => k === name)?.[1];
const upstreamHeader = (r: ExchangeResult, name: string) => r.upstream?.headers.find(([k]) => k === name)?.[1];

async function expectServed(host: Host, upstream: FakeGitHubModels): Promise<ExchangeResult> {
  upstream.setOptions({ delayMs: 0 });
  const result = await send(host, upstream.url, { body: chatBody() });
  expect(result.status).toBe(200);
  expect(result.client.json()).toMatchObject({ object: 'chat.completion', model: 'openai/gpt-4.1' });
  return result;
}

function expectTimeoutReply(result: ExchangeResult): void {
  expect(result.status).toBe(504);
  expect(result.client.header('content-type')).toBe('application/json');
  const body = result.client.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ type: 'upstream_error', code: 'upstream_timeout' });
  expect(body.error.message).toMatch(/^provider "github" did not answer in time/);
}

describe.each(MODES)('timeouts (%s)', (mode: PluginMode) => {
  it('hands Envoy the default timeout of 120000 ms and no first-byte timeout', async () => {
    const upstream = await fake();
    const host = await aiHost(mode, githubConfig());
    const result = await expectServed(host, upstream);
    expect(routerHeader(result, ROUTER_TIMEOUT)).toBe('120000');
    expect(routerHeader(result, FIRST_BYTE_TIMEOUT)).toBeUndefined();
    expect(upstreamHeader(result, ROUTER_TIMEOUT)).toBeUndefined();
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('answers 504 in OpenAI shape when the upstream is slower than `timeout`, then keeps serving', async () => {
    const upstream = await fake(3000);
    const host = await aiHost(mode, githubConfig({ timeout: 150 }));
    const slow = await send(host, upstream.url, { body: chatBody() });
    expectTimeoutReply(slow);
    expect(routerHeader(slow, ROUTER_TIMEOUT)).toBe('150');
    expect(slow.upstream?.path).toBe('/inference/chat/completions');
    const good = await expectServed(host, upstream);
    expectNoSecrets(host, [slow, good], [TOKEN]);
  });

  it('answers 504 in OpenAI shape when the first byte is later than `firstByteTimeout`, then keeps serving', async () => {
    const upstream = await fake(3000);
    const host = await aiHost(mode, githubConfig({ firstByteTimeout: 150 }));
    const slow = await send(host, upstream.url, { body: chatBody('openai/gpt-4.1', { stream: true }) });
    expectTimeoutReply(slow);
    expect([routerHeader(slow, ROUTER_TIMEOUT), routerHeader(slow, FIRST_BYTE_TIMEOUT)]).toEqual(['120000', '150']);
    const good = await expectServed(host, upstream);
    expectNoSecrets(host, [slow, good], [TOKEN]);
  });

  it('keeps the answer when the upstream is within both timeouts; the first-byte timeout only for streaming on the Higress build', async () => {
    const upstream = await fake(50);
    const host = await aiHost(mode, githubConfig({ timeout: 20000, firstByteTimeout: 10000 }));
    const result = await send(host, upstream.url, { body: chatBody() });
    expect(result.status).toBe(200);
    expect([routerHeader(result, ROUTER_TIMEOUT), routerHeader(result, FIRST_BYTE_TIMEOUT)]).toEqual(['20000', holdsHeaders(mode) ? undefined : '10000']);
    const streamed = await send(host, upstream.url, { body: chatBody('openai/gpt-4.1', { stream: true }) });
    expect(streamed.status).toBe(200);
    expect([routerHeader(streamed, ROUTER_TIMEOUT), routerHeader(streamed, FIRST_BYTE_TIMEOUT)]).toEqual(['20000', '10000']);
    expectNoSecrets(host, [result, streamed], [TOKEN]);
  });
});

describe.each(MODES)('apiVersion (%s)', (mode: PluginMode) => {
  it('sends X-GitHub-Api-Version 2022-11-28 by default, and the configured value otherwise', async () => {
    const upstream = await fake();
    const results: ExchangeResult[] = [];
    for (const [extra, version] of [[{}, '2022-11-28'], [{ apiVersion: '2026-03-10' }, '2026-03-10']] as const) {
      const host = await aiHost(mode, githubConfig(extra));
      const result = await send(host, upstream.url, { body: chatBody() });
      expect(result.status).toBe(200);
      expect(upstreamHeader(result, 'x-github-api-version')).toBe(version);
      expect(upstreamHeader(result, 'accept')).toBe('application/vnd.github+json');
      expect(upstream.requests.at(-1)?.headers['x-github-api-version']).toBe(version);
      expectNoSecrets(host, [result], [TOKEN]);
      results.push(result);
    }
    expect(results).toHaveLength(2);
  });

  it('sends the catalog request with the configured version too', async () => {
    const upstream = await fake();
    const host = await aiHost(mode, githubConfig({ apiVersion: '2026-03-10' }));
    const result = await send(host, upstream.url, { path: '/v1/models', method: 'GET' });
    expect(result.status).toBe(200);
    expect(result.upstream?.path).toBe('/catalog/models');
    expect(upstreamHeader(result, 'x-github-api-version')).toBe('2026-03-10');
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('reads an empty apiVersion as unset, as Higress does', async () => {
    const upstream = await fake();
    const host = await aiHost(mode, githubConfig({ apiVersion: '' }));
    const result = await send(host, upstream.url, { body: chatBody() });
    expect(upstreamHeader(result, 'x-github-api-version')).toBe('2022-11-28');
  });

  it('puts the Azure AI Foundry version in the api-version query (default 2024-05-01-preview)', async () => {
    const paths: string[] = [];
    const echo = (req: { path: string }) => (paths.push(req.path), { status: 200, headers: [['content-type', 'application/json']] as Array<[string, string]>, chunks: [new TextEncoder().encode('{"choices":[]}')], trailers: [] });
    for (const extra of [{}, { apiVersion: '2025-01-01' }]) {
      const host = await aiHost(mode, { provider: { type: 'azure-ai-foundry', providerDomain: 'res.services.ai.azure.com', apiTokens: [TOKEN], ...extra } });
      const result = await host.exchange({ headers: { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', 'content-type': 'application/json' }, body: JSON.stringify(chatBody()) }, { upstream: echo });
      expect(result.status).toBe(200);
      expect(result.upstream?.authority).toBe('res.services.ai.azure.com');
      expect(upstreamHeader(result, 'x-github-api-version')).toBeUndefined();
      expectNoSecrets(host, [result], [TOKEN]);
    }
    expect(paths).toEqual(['/models/chat/completions?api-version=2024-05-01-preview', '/models/chat/completions?api-version=2025-01-01']);
  });
});
