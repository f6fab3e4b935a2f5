/**
 * Upstream answers that are errors: a non-2xx passes through unchanged (status, body, content-type and
 * the rate-limit headers of a 429), compared byte for byte with the same request replayed straight to the
 * fake; a 410 from GitHub Models becomes an OpenAI-style error saying the service was retired on
 * 2026-07-30 and naming the providers to use instead. The VM serves a good request after each.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, UpstreamHandler } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

const UNKNOWN = 'ghp_unknown_token';
const RATE_HEADERS = ['retry-after', 'x-ratelimit-type', 'x-ratelimit-timeremaining', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens', 'x-ms-error-code'];

let fake: FakeGitHubModels;
beforeEach(async () => {
  fake = await startFakeGitHubModels();
});
afterEach(async () => {
  await fake.close();
});

/** The request the plugin forwarded, sent again straight to the fake: the reference answer. */
async function replay(result: ExchangeResult) {
  const up = result.upstream!;
  const headers = up.headers.filter(([k]) => !k.startsWith(':') && k !== 'content-length');
  const res = await fetch(fake.url + up.path, { method: up.method, headers, body: up.body.length > 0 ? Buffer.from(up.body) : undefined });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function expectUnchanged(result: ExchangeResult, headerNames: string[]): Promise<void> {
  const reference = await replay(result);
  expect(result.status).toBe(reference.status);
  expect(Buffer.from(result.client.body).equals(reference.body)).toBe(true);
  for (const name of ['content-type', ...headerNames]) expect(result.client.header(name), name).toBe(reference.headers.get(name) ?? undefined);
  expect(result.stream.localReply).toBeUndefined();
}

async function expectServes(host: Host, stream = false): Promise<ExchangeResult> {
  fake.setOptions({ rateLimited: false, retired: false });
  const good = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream }) });
  expect(good.status).toBe(200);
  expect(good.client.text).toContain('Echo:');
  return good;
}

describe.each(MODES)('upstream error answers (%s)', (mode) => {
  it('passes a 401 for an unknown token through unchanged, then serves with a known one', async () => {
    const host = await aiHost(mode, githubConfig({ apiTokens: [UNKNOWN] }));
    const bad = await send(host, fake.url, { body: chatBody() });

    expect(bad.status).toBe(401);
    await expectUnchanged(bad, []);
    expect(bad.client.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(filterState(bad, 'ai_log')).toMatchObject({ status: 401, input_token: 0, output_token: 0, total_token: 0 });
    fake.setOptions({ tokens: [UNKNOWN] });
    const good = await expectServes(host);
    expectNoSecrets(host, [bad, good], [UNKNOWN]);
  });

  it.each([false, true])('passes a 429 through with retry-after and every rate-limit header (stream %s)', async (stream) => {
    const host = await aiHost(mode, githubConfig());
    fake.setOptions({ rateLimited: true });
    const bad = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream }) });

    expect(bad.status).toBe(429);
    await expectUnchanged(bad, RATE_HEADERS);
    expect(Object.fromEntries(RATE_HEADERS.map((h) => [h, bad.client.header(h)]))).toEqual({
      'retry-after': '46', 'x-ratelimit-type': 'UserByModelByMinute', 'x-ratelimit-timeremaining': '46',
      'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining-tokens': '0', 'x-ms-error-code': 'RateLimitReached',
    });
    expect(bad.client.json()).toMatchObject({ error: { code: 'RateLimitReached' } });
    const good = await expectServes(host, stream);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it('passes a daily 429 through with its own headers', async () => {
    const host = await aiHost(mode, githubConfig());
    fake.setOptions({ rateLimited: { retryAfter: 3600, type: 'UserByModelByDay' } });
    const bad = await send(host, fake.url, { body: chatBody() });

    expect(bad.status).toBe(429);
    await expectUnchanged(bad, RATE_HEADERS);
    expect([bad.client.header('retry-after'), bad.client.header('x-ratelimit-type')]).toEqual(['3600', 'UserByModelByDay']);
    const good = await expectServes(host);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it('passes the upstream\'s own 422 and 404 through unchanged', async () => {
    const host = await aiHost(mode, githubConfig());
    const invalid = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { messages: [] }) });
    const unknown = await send(host, fake.url, { body: chatBody('openai/no-such-model', { stream: true }) });

    expect([invalid.status, unknown.status]).toEqual([422, 404]);
    await expectUnchanged(invalid, []);
    await expectUnchanged(unknown, []);
    expect(unknown.client.json()).toEqual({ error: { code: 'unknown_model', message: 'Unknown model: openai/no-such-model' } });
    const good = await expectServes(host);
    expectNoSecrets(host, [invalid, unknown, good], [TOKEN]);
  });

  it('passes a 500 with a non-JSON body through unchanged', async () => {
    const host = await aiHost(mode, githubConfig());
    const boom: UpstreamHandler = () => ({ status: 500, headers: [['content-type', 'text/plain'], ['x-request-id', 'up-1']], chunks: [new TextEncoder().encode('boom')], trailers: [] });
    const bad = await host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: boom });

    expect(bad.status).toBe(500);
    expect(bad.client.text).toBe('boom');
    expect([bad.client.header('content-type'), bad.client.header('x-request-id')]).toEqual(['text/plain', 'up-1']);
    const good = await expectServes(host);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it.each([false, true])('turns the 410 retirement into an OpenAI-style error naming the replacements (stream %s)', async (stream) => {
    const host = await aiHost(mode, githubConfig());
    fake.setOptions({ retired: true });
    const bad = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream }) });

    expect(bad.status).toBe(410);
    expect(bad.client.header('content-type')).toBe('application/json');
    expect(bad.client.header('content-length')).toBeUndefined();
    const body = bad.client.json() as { error: { message: string; type: string; code: string } };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'type']);
    expect(body.error).toMatchObject({ type: 'provider_retired', code: 'provider_retired' });
    expect(body.error.message).toMatch(/GitHub Models was retired on 2026-07-30/);
    for (const type of ['"openai"', '"azure-ai-foundry"', '"openai-compatible"']) expect(body.error.message).toContain(type);
    expect(bad.client.text).not.toContain('brownout');
    expect(filterState(bad, 'ai_log')).toMatchObject({ status: 410, stream });
    const good = await expectServes(host, stream);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it.each([
    ['without content-length', [] as Array<[string, string]>],
    ['with content-length 0', [['content-length', '0']] as Array<[string, string]>],
  ])('answers an upstream 410 with an empty body %s as the provider_retired error', async (_name, headers) => {
    const host = await aiHost(mode, githubConfig());
    const gone: UpstreamHandler = () => ({ status: 410, headers, chunks: [], trailers: [] });
    const bad = await host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: gone });

    expect(bad.status).toBe(410);
    expect(bad.client.header('content-type')).toBe('application/json');
    const body = bad.client.json() as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'provider_retired', code: 'provider_retired' });
    expect(body.error.message).toMatch(/GitHub Models was retired on 2026-07-30/);
    expect(filterState(bad, 'ai_log')).toMatchObject({ status: 410 });
    const good = await expectServes(host);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });
});
