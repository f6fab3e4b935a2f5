/**
 * GitHub provider routing through the proxy to the fake GitHub Models server: OpenAI client paths become
 * `/inference/…` (or `/orgs/{org}/inference/…`), the host becomes `models.github.ai`, GitHub's headers
 * are set, the client's own credentials and `accept-encoding` never reach the upstream, and a wrong
 * method is answered by the proxy in OpenAI's error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type RecordedRequest } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, chatBody, expectNoSecrets, githubConfig, send } from '../test-support/ai-host.ts';

const EMBEDDING = { model: 'openai/text-embedding-3-small', input: 'hello' };
const CLIENT_SECRETS = ['sk-client-authorization', 'client-api-key', 'client-x-api-key', 'client-proxy-auth'];

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

/** Sends one request and returns the client's result with what the fake recorded for it (if anything). */
async function through(host: Host, options: Parameters<typeof send>[2]): Promise<{ result: ExchangeResult; seen?: RecordedRequest }> {
  const before = fake.requests.length;
  const result = await send(host, fake.url, options);
  expect(fake.requests.length - before).toBeLessThanOrEqual(1);
  return { result, seen: fake.requests[before] };
}

function headerCount(result: ExchangeResult, name: string): number {
  return (result.upstream?.headers ?? []).filter(([k]) => k === name).length;
}

async function expectServed(host: Host): Promise<ExchangeResult> {
  const { result, seen } = await through(host, { body: chatBody() });
  expect(result.status).toBe(200);
  expect(seen?.path).toMatch(/\/inference\/chat\/completions$/);
  expect((result.client.json() as { object: string }).object).toBe('chat.completion');
  return result;
}

describe.each(MODES)('github routing (%s)', (mode) => {
  it('maps /v1/chat/completions and /v1/embeddings to /inference/… on models.github.ai', async () => {
    const host = await aiHost(mode, githubConfig());
    const chat = await through(host, { body: chatBody() });
    expect(chat.result.status).toBe(200);
    expect(chat.seen).toMatchObject({ method: 'POST', path: '/inference/chat/completions' });
    expect(chat.seen!.headers.host).toBe('models.github.ai');
    const emb = await through(host, { path: '/v1/embeddings', body: EMBEDDING });
    expect(emb.result.status).toBe(200);
    expect(emb.seen).toMatchObject({ method: 'POST', path: '/inference/embeddings' });
    expect(emb.seen!.headers.host).toBe('models.github.ai');
    expect((emb.result.client.json() as { object: string }).object).toBe('list');
    expectNoSecrets(host, [chat.result, emb.result], [TOKEN]);
  });

  it('uses the org-attributed endpoints when githubOrg is set', async () => {
    const host = await aiHost(mode, githubConfig({ githubOrg: 'fake-org' }));
    const chat = await through(host, { body: chatBody() });
    const emb = await through(host, { path: '/v1/embeddings', body: EMBEDDING });
    expect(chat.result.status).toBe(200);
    expect(chat.seen!.path).toBe('/orgs/fake-org/inference/chat/completions');
    expect(emb.result.status).toBe(200);
    expect(emb.seen!.path).toBe('/orgs/fake-org/inference/embeddings');
    expect(emb.seen!.headers.host).toBe('models.github.ai');
    expectNoSecrets(host, [chat.result, emb.result], [TOKEN]);
  });

  it('accepts a prefixed client path and keeps the query string', async () => {
    const host = await aiHost(mode, githubConfig());
    const chat = await through(host, { path: '/ai/v1/chat/completions?trace=on&lang=en%20US', body: chatBody() });
    expect(chat.result.status).toBe(200);
    expect(chat.seen!.path).toBe('/inference/chat/completions?trace=on&lang=en%20US');
    const emb = await through(host, { path: '/gateway/openai/v1/embeddings?x=1', body: EMBEDDING });
    expect(emb.result.status).toBe(200);
    expect(emb.seen!.path).toBe('/inference/embeddings?x=1');
    const org = await aiHost(mode, githubConfig({ githubOrg: 'fake-org' }));
    const orgChat = await through(org, { path: '/ai/v1/chat/completions?trace=on', body: chatBody() });
    expect(orgChat.result.status).toBe(200);
    expect(orgChat.seen!.path).toBe('/orgs/fake-org/inference/chat/completions?trace=on');
    expectNoSecrets(host, [chat.result, emb.result], [TOKEN]);
    expectNoSecrets(org, [orgChat.result], [TOKEN]);
  });

  it.each([
    ['a bare token', TOKEN],
    ['a token written with "Bearer "', `Bearer ${TOKEN}`],
    ['a token written with "bearer  "', `bearer  ${TOKEN}`],
  ])('sends Authorization: Bearer <token>, Accept and X-GitHub-Api-Version for %s', async (_name, configured) => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [configured] } });
    const { result, seen } = await through(host, { body: chatBody() });
    expect(result.status).toBe(200);
    expect(seen!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen!.headers.accept).toBe('application/vnd.github+json');
    expect(seen!.headers['x-github-api-version']).toBe('2022-11-28');
    expect(headerCount(result, 'authorization')).toBe(1);
    expect(headerCount(result, 'accept')).toBe(1);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('sends the configured apiVersion', async () => {
    const host = await aiHost(mode, githubConfig({ apiVersion: '2026-03-10' }));
    const { result, seen } = await through(host, { path: '/v1/embeddings', body: EMBEDDING });
    expect(result.status).toBe(200);
    expect(seen!.headers['x-github-api-version']).toBe('2026-03-10');
    expect(headerCount(result, 'x-github-api-version')).toBe(1);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it("never forwards the client's credentials or accept-encoding, and keeps its other headers", async () => {
    const host = await aiHost(mode, githubConfig());
    const { result, seen } = await through(host, {
      body: chatBody(),
      headers: {
        authorization: `Bearer ${CLIENT_SECRETS[0]}`,
        'api-key': CLIENT_SECRETS[1]!,
        'x-api-key': CLIENT_SECRETS[2]!,
        'proxy-authorization': `Basic ${CLIENT_SECRETS[3]}`,
        'accept-encoding': 'gzip, br',
        accept: 'text/plain',
        'x-github-api-version': '1999-01-01',
        'x-client-trace': 'trace-42',
      },
    });
    expect(result.status).toBe(200);
    expect(seen!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen!.headers.accept).toBe('application/vnd.github+json');
    expect(seen!.headers['x-github-api-version']).toBe('2022-11-28');
    for (const name of ['api-key', 'x-api-key', 'proxy-authorization', 'accept-encoding']) expect(seen!.headers[name], name).toBeUndefined();
    for (const name of ['authorization', 'accept', 'x-github-api-version']) expect(headerCount(result, name), name).toBe(1);
    expect(seen!.headers['x-client-trace']).toBe('trace-42');
    const forwarded = JSON.stringify(result.upstream!.headers) + JSON.stringify(seen!.headers);
    for (const secret of CLIENT_SECRETS) expect(forwarded).not.toContain(secret);
    expectNoSecrets(host, [result], [TOKEN, ...CLIENT_SECRETS]);
  });

  it.each([
    ['GET', '/v1/chat/completions', 'POST'],
    ['PUT', '/v1/chat/completions', 'POST'],
    ['GET', '/v1/embeddings', 'POST'],
    ['POST', '/v1/models', 'GET'],
  ])('answers %s %s with 405 in OpenAI shape and keeps serving', async (method, path, allowed) => {
    const host = await aiHost(mode, githubConfig());
    const { result, seen } = await through(host, { method, path, body: method === 'GET' ? undefined : chatBody() });
    expect(seen).toBeUndefined();
    expect(result.upstream).toBeUndefined();
    expect(result.status).toBe(405);
    expect(result.client.header('content-type')).toMatch(/^application\/json/);
    const error = (result.client.json() as { error: { message: string; type: string; code: string } }).error;
    expect(error.type).toBe('invalid_request_error');
    expect(error.code).toBe('method_not_allowed');
    expect(error.message).toContain(allowed);
    expect(error.message).toContain(method);
    expect(result.stream.localReply?.details).toBe('ai-proxy.method_not_allowed');
    const good = await expectServed(host);
    expectNoSecrets(host, [result, good], [TOKEN]);
  });
});
