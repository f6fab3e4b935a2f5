/**
 * `GET /v1/models` on provider github: the plugin asks `GET /catalog/models` and answers OpenAI's list
 * shape, catalog entries first (in catalog order, owned by their publisher, `created: 0`), then every
 * exact `modelMapping` key whose target is in the catalog, as an alias owned like its target.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, chatBody, expectNoSecrets, githubConfig, send } from '../test-support/ai-host.ts';

let fake: FakeGitHubModels;
beforeEach(async () => {
  fake = await startFakeGitHubModels();
});
afterEach(async () => {
  await fake.close();
});

const MAPPING = {
  'gpt-4.1': 'openai/gpt-4.1',
  phi: 'microsoft/Phi-4',
  'openai/gpt-4.1-mini': 'openai/gpt-4.1',
  gone: 'openai/no-such-model',
  same: '',
  'claude-*': 'openai/gpt-4.1-mini',
  '~^o(\\d)$': 'openai/o$1',
  '*': 'openai/gpt-4.1',
};

const model = (id: string, owned_by: string) => ({ id, object: 'model', created: 0, owned_by });
const listModels = (host: Parameters<typeof send>[0], path = '/v1/models', headers: Record<string, string> = {}) =>
  send(host, fake.url, { method: 'GET', path, headers });

describe.each(MODES)('GET /v1/models on github (%s)', (mode) => {
  it('answers the catalog as an OpenAI model list with the exact mapping keys as aliases', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: MAPPING }));
    const result = await listModels(host, '/v1/models', { authorization: 'Bearer sk-client' });

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/catalog/models', body: '' });
    expect(fake.requests[0]!.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-github-api-version': '2022-11-28', accept: 'application/vnd.github+json' });
    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toBe('application/json');
    expect(result.client.header('content-length')).toBeUndefined();
    expect(result.client.json()).toEqual({
      object: 'list',
      data: [
        model('openai/gpt-4.1', 'OpenAI'),
        model('openai/gpt-4.1-mini', 'OpenAI'),
        model('openai/text-embedding-3-small', 'OpenAI'),
        model('microsoft/Phi-4', 'Microsoft'),
        model('gpt-4.1', 'OpenAI'),
        model('phi', 'Microsoft'),
      ],
    });
    expectNoSecrets(host, [result], [TOKEN, 'sk-client']);
  });

  it('lists only the catalog without a mapping, and keeps serving chat afterwards', async () => {
    fake.setOptions({ models: ['openai/gpt-4.1', 'cohere/embed-v3', 'solo'] });
    const host = await aiHost(mode, githubConfig({ githubOrg: 'fake-org' }));
    const list = await listModels(host, '/v1/models/');
    const chat = await send(host, fake.url, { body: chatBody() });

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /catalog/models', 'POST /orgs/fake-org/inference/chat/completions']);
    expect(list.status).toBe(200);
    expect(list.client.json()).toEqual({ object: 'list', data: [model('openai/gpt-4.1', 'OpenAI'), model('cohere/embed-v3', 'cohere'), model('solo', 'unknown')] });
    expect(chat.status).toBe(200);
    expectNoSecrets(host, [list, chat], [TOKEN]);
  });

  it('passes a catalog error through unchanged', async () => {
    const host = await aiHost(mode, githubConfig({ apiTokens: ['ghp_unknown_token'] }));
    const result = await listModels(host);

    expect(result.status).toBe(401);
    expect(result.client.header('content-type')).toBe('application/json; charset=utf-8');
    expect(result.client.json()).toEqual({
      error: { code: 'unauthorized', message: 'The `models` permission is required to access this endpoint', details: 'Use a GitHub token with the `models: read` permission.' },
    });
    expectNoSecrets(host, [result], ['ghp_unknown_token']);
  });

  it('answers a catalog retirement with the OpenAI-style retirement error, then serves the list again', async () => {
    const host = await aiHost(mode, githubConfig());
    fake.setOptions({ retired: true });
    const retired = await listModels(host);
    fake.setOptions({ retired: false });
    const again = await listModels(host);

    expect(retired.status).toBe(410);
    expect(retired.client.header('content-type')).toBe('application/json');
    expect(retired.client.json()).toMatchObject({ error: { type: 'provider_retired', code: 'provider_retired' } });
    expect(again.status).toBe(200);
    expect((again.client.json() as { data: unknown[] }).data).toHaveLength(4);
    expectNoSecrets(host, [retired, again], [TOKEN]);
  });

  it('refuses POST /v1/models with 405 without contacting the upstream, then serves GET', async () => {
    const host = await aiHost(mode, githubConfig());
    const refused = await send(host, fake.url, { path: '/v1/models', body: chatBody() });
    const good = await listModels(host);

    expect(refused.status).toBe(405);
    expect(refused.stream.localReply?.details).toBe('ai-proxy.method_not_allowed');
    expect(refused.client.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'method_not_allowed' } });
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
    expect(good.status).toBe(200);
    expectNoSecrets(host, [refused, good], [TOKEN]);
  });
});
