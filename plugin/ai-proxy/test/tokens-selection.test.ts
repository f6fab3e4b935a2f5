/**
 * Token choice per request, as the upstream sees it: one `Authorization` per request, chosen once even
 * when the body arrives in many chunks; `random` uses every token, `round-robin` cycles in order per VM,
 * `consumerAffinity` keeps a consumer (`x-mse-consumer`) on one token. No token ever shows in logs,
 * replies, headers, metrics or filter state, even at the most verbose log level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, aiHost, chatBody, expectNoSecrets, send } from '../test-support/ai-host.ts';

const TOKENS = ['ghp_fake_token_alpha', 'ghp_fake_token_bravo', 'ghp_fake_token_charlie'];

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels({ tokens: TOKENS });
});
afterAll(() => fake.close());

function config(extra: Record<string, unknown> = {}, tokens: string[] = TOKENS): object {
  return { provider: { type: 'github', apiTokens: tokens, ...extra } };
}

function tokenHost(mode: (typeof MODES)[number], extra: Record<string, unknown> = {}, workers = 1): Promise<Host> {
  return aiHost(mode, config(extra), { workers, logLevel: 'trace' });
}

/** The token the upstream received for `result` (exactly one Authorization header). */
function tokenOf(result: ExchangeResult): string {
  const auth = (result.upstream?.headers ?? []).filter(([k]) => k === 'authorization');
  expect(auth).toHaveLength(1);
  const token = /^Bearer (\S+)$/.exec(auth[0]![1])?.[1];
  expect(TOKENS).toContain(token);
  return token!;
}

async function chat(host: Host, options: { consumer?: string; worker?: number; chunks?: boolean } = {}): Promise<ExchangeResult> {
  const json = JSON.stringify(chatBody());
  const body = options.chunks ? json.match(/[\s\S]{1,5}/g)! : json;
  const headers = { ...CHAT_HEADERS, ...(options.consumer ? { 'x-mse-consumer': options.consumer } : {}) };
  const result = await host.exchange({ headers, body }, { upstream: fake.url, worker: options.worker });
  expect(result.status).toBe(200);
  return result;
}

describe.each(MODES)('token selection (%s)', (mode) => {
  it('random: 60 requests each carry one configured token, and all three are used', async () => {
    const host = await tokenHost(mode);
    const results: ExchangeResult[] = [];
    for (let i = 0; i < 60; i++) results.push(await chat(host));
    const used = results.map(tokenOf);
    expect(new Set(used)).toEqual(new Set(TOKENS));
    expectNoSecrets(host, results, TOKENS);
  });

  it('round-robin cycles through the tokens in order, per VM', async () => {
    const host = await tokenHost(mode, { tokenStrategy: 'round-robin' }, 2);
    const byWorker: string[][] = [[], []];
    const results: ExchangeResult[] = [];
    for (let i = 0; i < 14; i++) {
      const worker = i < 4 ? 0 : i % 2;
      const result = await chat(host, { worker });
      results.push(result);
      byWorker[worker]!.push(tokenOf(result));
    }
    const cycle = (n: number) => Array.from({ length: n }, (_, i) => TOKENS[i % 3]);
    expect(byWorker[0]).toEqual(cycle(9));
    expect(byWorker[1]).toEqual(cycle(5));
    expectNoSecrets(host, results, TOKENS);
  });

  it('one token per request: a body in many chunks advances round-robin once and sends one Authorization', async () => {
    const host = await tokenHost(mode, { tokenStrategy: 'round-robin' });
    const results: ExchangeResult[] = [];
    for (let i = 0; i < 6; i++) results.push(await chat(host, { chunks: i % 2 === 0 }));
    expect(results.map(tokenOf)).toEqual([...TOKENS, ...TOKENS]);
    for (const r of results) expect(new TextDecoder().decode(r.upstream!.body)).toBe(JSON.stringify(chatBody()));
    expectNoSecrets(host, results, TOKENS);
  });

  it('consumerAffinity: a consumer keeps its token across requests and VMs; consumers spread over the tokens', async () => {
    const host = await tokenHost(mode, { consumerAffinity: true, tokenStrategy: 'round-robin' }, 2);
    const results: ExchangeResult[] = [];
    const tokenFor = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (let c = 0; c < 12; c++) {
        const consumer = `consumer-${c}`;
        const result = await chat(host, { consumer, worker: (round + c) % 2 });
        results.push(result);
        const token = tokenOf(result);
        if (round === 0) tokenFor.set(consumer, token);
        else expect(token, consumer).toBe(tokenFor.get(consumer));
      }
    }
    expect(new Set(tokenFor.values())).toEqual(new Set(TOKENS));
    expectNoSecrets(host, results, TOKENS);
  });

  it('consumerAffinity: requests without x-mse-consumer still follow the strategy', async () => {
    const host = await tokenHost(mode, { consumerAffinity: true, tokenStrategy: 'round-robin' });
    const results: ExchangeResult[] = [];
    for (let i = 0; i < 6; i++) results.push(await chat(host));
    expect(results.map(tokenOf)).toEqual([...TOKENS, ...TOKENS]);
    expectNoSecrets(host, results, TOKENS);
  });

  it('without consumerAffinity, x-mse-consumer does not pin the token', async () => {
    const host = await tokenHost(mode, { tokenStrategy: 'round-robin' });
    const results: ExchangeResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await chat(host, { consumer: 'same-consumer' }));
    expect(results.map(tokenOf)).toEqual(TOKENS);
    expectNoSecrets(host, results, TOKENS);
  });

  it('no token leaks through an upstream 401, a local error or the configuration summary; the VM keeps serving', async () => {
    const rejected = 'ghp_fake_token_unknown_to_upstream';
    const host = await aiHost(mode, config({}, [`Bearer ${rejected}`]), { logLevel: 'trace' });
    const unauthorized = await send(host, fake.url, { body: chatBody() });
    expect(unauthorized.status).toBe(401);
    const local = await send(host, fake.url, { body: '{"model":' });
    expect(local.status).toBe(400);
    expect(host.logs.messages('debug').length).toBeGreaterThan(0);
    expectNoSecrets(host, [unauthorized, local], [rejected, ...TOKENS]);
    const good = await aiHost(mode, config(), { logLevel: 'trace' });
    const bad = await send(good, fake.url, { method: 'GET', body: undefined });
    expect(bad.status).toBe(405);
    const served = await chat(good);
    tokenOf(served);
    expectNoSecrets(good, [bad, served], TOKENS);
  });
});
