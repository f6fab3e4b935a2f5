/**
 * The configuration shapes of Higress ai-proxy, observed through what the upstream receives: one
 * `provider`; `providers` with `activeProviderId`; `_rules_` (by route name and by domain) that switch the
 * active provider or bring their own `provider` with another `modelMapping`; and `providers` without an
 * active one, which passes traffic through untouched and says so when configured.
 */
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, chatBody, expectNoSecrets, send, type PluginMode } from '../test-support/ai-host.ts';

const COMPAT_TOKEN = 'sk-compat-secret-1';
const CLIENT_KEY = 'Bearer client-own-key';
const gh = { id: 'gh', type: 'github', apiTokens: [TOKEN] };
const compat = { id: 'compat', type: 'openai-compatible', providerDomain: 'llm.internal:8443', providerBasePath: '/api/v2', apiTokens: [COMPAT_TOKEN] };
const SECRETS = [TOKEN, COMPAT_TOKEN];

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

const header = (r: ExchangeResult, name: string) => r.upstream?.headers.find(([k]) => k === name)?.[1];
const upstreamModel = (r: ExchangeResult) => (JSON.parse(new TextDecoder().decode(r.upstream!.body)) as { model: string }).model;

/** Where a request went: the upstream's view of authority, path and credentials. */
function routed(r: ExchangeResult) {
  return { authority: r.upstream?.authority, path: r.upstream?.path, authorization: header(r, 'authorization') };
}
const GITHUB = { authority: 'models.github.ai', path: '/inference/chat/completions', authorization: `Bearer ${TOKEN}` };
const COMPAT = { authority: 'llm.internal:8443', path: '/api/v2/v1/chat/completions', authorization: `Bearer ${COMPAT_TOKEN}` };

function chat(host: Host, model = 'openai/gpt-4.1', authority = 'gateway.local') {
  return send(host, fake.url, { body: chatBody(model), headers: { ':authority': authority, authorization: CLIENT_KEY } });
}

describe.each(MODES)('configuration shapes (%s)', (mode: PluginMode) => {
  it('serves through a single `provider` and logs what was configured', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [`Bearer ${TOKEN}`] } });
    const result = await chat(host);
    expect(result.status).toBe(200);
    expect(routed(result)).toEqual(GITHUB);
    expect(host.logs.messages('info')).toContain('ai-proxy configured: provider "github" (type github, 1 token(s), protocol openai), 0 rule(s)');
    expect(host.logs.messages('error')).toEqual([]);
    expectNoSecrets(host, [result], SECRETS);
  });

  it('uses the provider named by `activeProviderId` among `providers`', async () => {
    for (const [active, expected] of [['gh', GITHUB], ['compat', COMPAT]] as const) {
      const host = await aiHost(mode, { providers: [gh, compat], activeProviderId: active });
      const result = await chat(host);
      expect(routed(result)).toEqual(expected);
      expect(header(result, 'x-github-api-version')).toBe(active === 'gh' ? '2022-11-28' : undefined);
      expect(host.logs.messages('info')).toContain(
        `ai-proxy configured: provider "${active}" (type ${active === 'gh' ? 'github' : 'openai-compatible'}, 1 token(s), protocol openai), 0 rule(s)`,
      );
      expectNoSecrets(host, [result], SECRETS);
    }
  });

  it('switches `activeProviderId` by route name (`_match_route_`) and by domain (`_match_domain_`)', async () => {
    const config = {
      providers: [gh, compat], activeProviderId: 'gh',
      _rules_: [{ _match_route_: ['compat-route'], activeProviderId: 'compat' }, { _match_domain_: ['*.compat.local'], activeProviderId: 'compat' }],
    };
    const onRoute = await aiHost(mode, config, { properties: { 'xds.route_name': 'compat-route' } });
    const elsewhere = await aiHost(mode, config, { properties: { 'xds.route_name': 'other-route' } });
    const results = [await chat(onRoute), await chat(elsewhere), await chat(elsewhere, 'openai/gpt-4.1', 'team.compat.local:8080'), await chat(elsewhere)];
    expect(results.map(routed)).toEqual([COMPAT, GITHUB, COMPAT, GITHUB]);
    expect(results[1]!.status).toBe(200);
    expect(elsewhere.logs.messages('info')).toContain('ai-proxy configured: provider "gh" (type github, 1 token(s), protocol openai), 2 rule(s)');
    expectNoSecrets(onRoute, results.slice(0, 1), SECRETS);
    expectNoSecrets(elsewhere, results.slice(1), SECRETS);
  });

  it('applies a rule’s own `provider` with another `modelMapping`, by domain and by route', async () => {
    const mapped = (to: string) => ({ type: 'github', apiTokens: [TOKEN], modelMapping: { 'gpt-4*': to } });
    const config = {
      provider: mapped('openai/gpt-4.1'),
      _rules_: [{ _match_domain_: ['mini.local'], provider: mapped('openai/gpt-4.1-mini') }, { _match_route_: ['phi'], provider: mapped('microsoft/Phi-4') }],
    };
    const host = await aiHost(mode, config, { properties: { 'xds.route_name': 'chat' } });
    const phiHost = await aiHost(mode, config, { properties: { 'xds.route_name': 'phi' } });
    const results = [await chat(host, 'gpt-4o'), await chat(host, 'gpt-4o', 'mini.local'), await chat(phiHost, 'gpt-4o'), await chat(host, 'o1')];
    expect(results.map(upstreamModel)).toEqual(['openai/gpt-4.1', 'openai/gpt-4.1-mini', 'microsoft/Phi-4', 'o1']);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 404]);
    expect(results.map((r) => (r.client.json() as { model?: string }).model)).toEqual(['openai/gpt-4.1', 'openai/gpt-4.1-mini', 'microsoft/Phi-4', undefined]);
    expectNoSecrets(host, [results[0]!, results[1]!, results[3]!], SECRETS);
    expectNoSecrets(phiHost, [results[2]!], SECRETS);
  });

  it('passes traffic through untouched with `providers` but no `activeProviderId`, and says so', async () => {
    const host = await aiHost(mode, { providers: [gh, compat] });
    const body = JSON.stringify({ ...chatBody('gpt-4o'), stream: true });
    const result = await send(host, fake.url, { body, headers: { authorization: CLIENT_KEY, 'x-mse-consumer': 'alice' } });
    expect(result.upstream).toMatchObject({ authority: 'gateway.local', path: '/v1/chat/completions', method: 'POST' });
    expect(header(result, 'authorization')).toBe(CLIENT_KEY);
    expect(new TextDecoder().decode(result.upstream!.body)).toBe(body);
    expect(header(result, 'x-github-api-version')).toBeUndefined();
    expect(result.status).toBe(401);
    expect(result.client.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect(result.stream.localReply).toBeUndefined();
    expect(host.logs.messages('info')).toContain('ai-proxy configured: no active provider globally (traffic passes through), 0 rule(s)');
    expect(host.logs.messages('error')).toEqual([]);
    expectNoSecrets(host, [result], SECRETS);
  });

  it('proxies only the route whose rule names an active provider when the global config has none', async () => {
    const config = { providers: [gh, compat], _rules_: [{ _match_route_: ['ai'], activeProviderId: 'gh' }] };
    const aiRoute = await aiHost(mode, config, { properties: { 'xds.route_name': 'ai' } });
    const plainRoute = await aiHost(mode, config, { properties: { 'xds.route_name': 'web' } });
    const results = [await chat(aiRoute), await chat(plainRoute)];
    expect(results.map(routed)).toEqual([GITHUB, { authority: 'gateway.local', path: '/v1/chat/completions', authorization: CLIENT_KEY }]);
    expect(results.map((r) => r.status)).toEqual([200, 401]);
    expect(plainRoute.logs.messages('info')).toContain('ai-proxy configured: no active provider globally (traffic passes through), 1 rule(s)');
    expectNoSecrets(aiRoute, [results[0]!], SECRETS);
    expectNoSecrets(plainRoute, [results[1]!], SECRETS);
  });

  it('passes through requests no rule matches when the configuration has only `_rules_`', async () => {
    const host = await aiHost(mode, { _rules_: [{ _match_domain_: ['ai.local'], provider: gh }] });
    const results = [await chat(host, 'openai/gpt-4.1', 'ai.local'), await chat(host, 'openai/gpt-4.1', 'web.local')];
    expect(results.map(routed)).toEqual([GITHUB, { authority: 'web.local', path: '/v1/chat/completions', authorization: CLIENT_KEY }]);
    expect(results.map((r) => r.status)).toEqual([200, 401]);
    expect(host.logs.messages('info')).toContain('ai-proxy configured: no active provider globally (traffic passes through), 1 rule(s)');
    expectNoSecrets(host, results, SECRETS);
  });
});
