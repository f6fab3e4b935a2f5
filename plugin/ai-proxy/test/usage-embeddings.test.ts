/**
 * Usage of embeddings answers: `prompt_tokens` and `total_tokens` (embeddings have no completion) and the
 * answering model, recorded in `wasm.ai_log` and the per-route counters like chat usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

const ROUTE = 'embed-route';
const MODEL = 'openai/text-embedding-3-small';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(async () => {
  await fake.close();
});

function counter(host: Host, name: string): bigint {
  return host.metrics.find(`ai_proxy.route.${ROUTE}.model.${MODEL}.${name}`, 'counter')?.value ?? 0n;
}

describe.each(MODES)('usage of embeddings answers (%s)', (mode) => {
  it('records input and total tokens of an embeddings answer, with no output tokens', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { 'text-embedding-3-small': MODEL } }), { properties: { route_name: ROUTE } });
    const body = { model: 'text-embedding-3-small', input: ['the quick brown fox', 'jumps'], dimensions: 4 };
    const result = await send(host, fake.url, { path: '/v1/embeddings', body });

    expect(result.status).toBe(200);
    expect(fake.requests.at(-1)!.path).toBe('/inference/embeddings');
    expect(JSON.parse(fake.requests.at(-1)!.body)).toEqual({ ...body, model: MODEL });
    const answer = result.client.json() as { data: Array<{ embedding: number[] }>; usage: object };
    expect(answer.data.map((d) => d.embedding.length)).toEqual([4, 4]);
    expect(answer.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(filterState(result, 'ai_log')).toEqual({
      provider: 'github', api: 'embeddings', request_model: 'text-embedding-3-small', upstream_model: MODEL, model: MODEL,
      stream: false, status: 200, input_token: 5, output_token: 0, total_token: 5, complete: true, attempts: 1,
    });
    expect([counter(host, 'requests'), counter(host, 'input_token'), counter(host, 'output_token'), counter(host, 'total_token')]).toEqual([1n, 5n, 0n, 5n]);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('adds the usage of successive embeddings requests', async () => {
    const host = await aiHost(mode, githubConfig(), { properties: { route_name: ROUTE } });
    const results = [
      await send(host, fake.url, { path: '/v1/embeddings', body: { model: MODEL, input: 'one two' } }),
      await send(host, fake.url, { path: '/v1/embeddings', body: { model: MODEL, input: 'three four five' } }),
    ];

    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => filterState(r, 'ai_log'))).toMatchObject([{ input_token: 2, total_token: 2 }, { input_token: 3, total_token: 3 }]);
    expect([counter(host, 'requests'), counter(host, 'input_token'), counter(host, 'total_token')]).toEqual([2n, 5n, 5n]);
    expectNoSecrets(host, results, [TOKEN]);
  });
});
