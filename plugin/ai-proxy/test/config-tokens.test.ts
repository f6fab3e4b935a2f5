/**
 * The token settings' defaults and written forms, seen by the upstream: tokens written with or without
 * `Bearer ` (any case, any spacing) are sent as one `Bearer <token>`; without `tokenStrategy` the choice is
 * random from the host's random source and uses every token; without `consumerAffinity` the consumer
 * header pins nothing. Strategies in depth: tokens-selection.test.ts; parsing: config/tokens.test.ts.
 */
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, aiHost, chatBody, expectNoSecrets, send, type PluginMode } from '../test-support/ai-host.ts';

const TOKENS = ['ghp_token_alpha', 'ghp_token_bravo', 'ghp_token_charlie'];
let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels({ tokens: TOKENS });
});
afterAll(() => fake.close());

const config = (extra: Record<string, unknown> = {}, apiTokens: string[] = TOKENS) => ({ provider: { type: 'github', apiTokens, ...extra } });
const used = (r: ExchangeResult) => r.upstream?.headers.filter(([k]) => k === 'authorization').map(([, v]) => v).join(' | ');

async function run(host: Host, count: number, headers: (i: number) => Record<string, string> = () => ({})): Promise<ExchangeResult[]> {
  const results: ExchangeResult[] = [];
  for (let i = 0; i < count; i++) results.push(await send(host, fake.url, { body: chatBody(), headers: { authorization: 'Bearer client-key', ...headers(i) } }));
  for (const r of results) expect(r.status).toBe(200);
  return results;
}

describe.each(MODES)('token selection (%s)', (mode: PluginMode) => {
  it('sends tokens written with or without "Bearer " as one Bearer credential', async () => {
    const host = await aiHost(mode, config({ tokenStrategy: 'round-robin' }, ['Bearer ghp_token_alpha', 'ghp_token_bravo', '  bearer   ghp_token_charlie ']), { workers: 1 });
    const results = await run(host, 3);
    expect(results.map(used)).toEqual(TOKENS.map((t) => `Bearer ${t}`));
    expect(host.logs.messages('info')).toContain('ai-proxy configured: provider "github" (type github, 3 token(s), protocol openai), 0 rule(s)');
    expectNoSecrets(host, results, TOKENS);
  });

  it('picks at random by default: every token is used, and only configured ones', async () => {
    const host = await aiHost(mode, config(), { workers: 1 });
    const results = await run(host, 60);
    const sequence = results.map(used);
    expect([...new Set(sequence)].sort()).toEqual(TOKENS.map((t) => `Bearer ${t}`));
    for (const shift of [0, 1, 2]) expect(sequence).not.toEqual(sequence.map((_, i) => `Bearer ${TOKENS[(i + shift) % 3]}`));
    expect(fake.requests.slice(-60).every((r) => TOKENS.some((t) => r.headers.authorization === `Bearer ${t}`))).toBe(true);
    expectNoSecrets(host, results, TOKENS);
  });

  it('ignores x-mse-consumer without `consumerAffinity`', async () => {
    const host = await aiHost(mode, config({ tokenStrategy: 'round-robin' }), { workers: 1 });
    const results = await run(host, 3, () => ({ 'x-mse-consumer': 'alice' }));
    expect(results.map(used)).toEqual(TOKENS.map((t) => `Bearer ${t}`));
    expectNoSecrets(host, results, TOKENS);
  });
});
