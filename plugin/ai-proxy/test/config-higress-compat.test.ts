/**
 * Configurations written for Higress `ai-proxy` mean what they mean there: `protocol: ""` is `openai`,
 * `timeout: 0` is the default, `firstByteTimeout: 0` and `providerDomain: ""` are unset, and a request
 * without `model` (or with `""` or `null`) gets the `*` mapping's target, added to the body as Higress's
 * sjson does; without a `*` target such a request is refused with 400 `missing_model` rather than
 * forwarded with an empty model (where this plugin differs from Higress, see the README).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

const routerHeader = (r: ExchangeResult, name: string) => r.stream.upstream.headers?.find(([k]) => k === name)?.[1];
const sentBody = (r: ExchangeResult) => new TextDecoder().decode(r.upstream!.body);

describe.each(MODES)('Higress readings of empty values (%s)', (mode) => {
  it('reads protocol "" as openai: the body is read and the model mapped', async () => {
    const host = await aiHost(mode, githubConfig({ protocol: '', modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } }));
    const result = await send(host, fake.url, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect(JSON.parse(sentBody(result))).toMatchObject({ model: 'openai/gpt-4.1' });
    expect(host.logs.messages('info')).toContain('ai-proxy configured: provider "github" (type github, 1 token(s), protocol openai), 0 rule(s)');
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('reads timeout 0 as the default 120000 ms and firstByteTimeout 0 as unset', async () => {
    const host = await aiHost(mode, githubConfig({ timeout: 0, firstByteTimeout: 0 }));
    const result = await send(host, fake.url, { body: chatBody() });
    expect(result.status).toBe(200);
    expect(routerHeader(result, 'x-envoy-upstream-rq-timeout-ms')).toBe('120000');
    expect(routerHeader(result, 'x-envoy-upstream-rq-first-byte-timeout-ms')).toBeUndefined();
  });

  it('reads providerDomain "" and providerBasePath "" as unset', async () => {
    const host = await aiHost(mode, { provider: { type: 'openai', apiTokens: [TOKEN], providerDomain: '', providerBasePath: '' } });
    const result = await send(host, fake.url, { body: chatBody() });
    expect([result.upstream?.authority, result.upstream?.path]).toEqual(['api.openai.com', '/v1/chat/completions']);
  });
});

describe.each(MODES)('Higress fields this plugin lacks, set to values that do nothing there (%s)', (mode) => {
  const INERT = {
    reasoningContentMode: 'passthrough',
    mergeConsecutiveMessages: false,
    promoteThinkingOnEmpty: false,
    customSettings: [],
    logUpstreamErrorResponseBody: true,
  };

  it('accepts them with one warning each naming the field, and serves as without them', async () => {
    const host = await aiHost(mode, githubConfig(INERT));
    expect([...new Set(host.logs.messages('warn'))].sort()).toEqual(
      Object.keys(INERT).map((field) => `ai-proxy: provider.${field} is not implemented by this plugin and is ignored: its value has no effect in Higress either`).sort(),
    );
    const result = await send(host, fake.url, { body: chatBody() });
    expect(result.status).toBe(200);
    expectNoSecrets(host, [result], [TOKEN]);
  });
});

describe.each(MODES)('a request without a model (%s)', (mode) => {
  const STAR = { modelMapping: { '*': 'openai/gpt-4.1-mini', 'gpt-4.1': 'openai/gpt-4.1' } };

  it.each([
    ['absent', '{"messages":[{"role":"user","content":"hi"}]}', '{"model":"openai/gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}'],
    ['empty', '{"model":"","messages":[]}', '{"model":"openai/gpt-4.1-mini","messages":[]}'],
    ['null', '{"messages":[],"model":null}', '{"messages":[],"model":"openai/gpt-4.1-mini"}'],
    ['absent from an empty object', '{}', '{"model":"openai/gpt-4.1-mini"}'],
  ])('gets the * target when the model is %s', async (_name, body, forwarded) => {
    const host = await aiHost(mode, githubConfig(STAR));
    const result = await send(host, fake.url, { body });
    expect(sentBody(result)).toBe(forwarded);
    expect(filterState(result, 'ai_log')).toMatchObject({ upstream_model: 'openai/gpt-4.1-mini' });
    expect(host.metrics.all().map((m) => m.name)).toContain('ai_proxy.route.unknown.model.openai/gpt-4_1-mini.requests');
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it.each([
    ['no mapping', {}],
    ['a mapping without *', { modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } }],
    ['a * target of "" (keep the requested name: there is none)', { modelMapping: { '*': '' } }],
  ])('is refused with 400 missing_model under %s, without contacting the upstream', async (_name, extra) => {
    const host = await aiHost(mode, githubConfig(extra));
    const before = fake.requests.length;
    const result = await send(host, fake.url, { body: '{"model":"","messages":[]}' });
    expect(result.status).toBe(400);
    expect(result.client.json()).toEqual({ error: { message: "you must provide a model parameter ('model')", type: 'invalid_request_error', code: 'missing_model' } });
    expect(fake.requests.length).toBe(before);
  });
});
