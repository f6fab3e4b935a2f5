/**
 * JSON nested past the parser's safe depth, from either side, never fails the VM: a request body of a few
 * kilobytes of `[` (which used to trap `proxy_on_request_body`) is answered 400 `json_too_deep`; a deep
 * JSON answer, SSE event or model catalog is relayed to the client byte for byte with a warning and
 * without usage; and the same VM serves the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, UpstreamHandler } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

const encoder = new TextEncoder();
const DEEP = '['.repeat(7600);

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

function answering(contentType: string, text: string): UpstreamHandler {
  return () => ({ status: 200, headers: [['content-type', contentType]], chunks: [encoder.encode(text)], trailers: [] });
}

async function expectStillServing(host: Host): Promise<ExchangeResult> {
  const next = await send(host, fake.url, { body: chatBody() });
  expect(next.status).toBe(200);
  expect(host.workers.every((w) => w.failure === undefined)).toBe(true);
  expect(host.logs.hostMessages('error')).toEqual([]);
  return next;
}

describe.each(MODES)('JSON nested too deep (%s)', (mode) => {
  it.each([
    ['unclosed arrays', DEEP],
    ['closed arrays as a member', `{"model":"openai/gpt-4.1","messages":${'['.repeat(3000)}${']'.repeat(3000)}}`],
    ['objects', `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`],
  ])('answers a request body of %s with 400 json_too_deep, without contacting the upstream', async (_name, body) => {
    const host = await aiHost(mode, githubConfig());
    const before = fake.requests.length;
    const bad = await send(host, fake.url, { body });
    expect(bad.status).toBe(400);
    expect(bad.client.json()).toEqual({
      error: { message: 'the request body is refused: its arrays and objects are nested deeper than 128 levels, the limit', type: 'invalid_request_error', code: 'json_too_deep' },
    });
    expect(fake.requests.length).toBe(before);
    expectNoSecrets(host, [bad, await expectStillServing(host)], [TOKEN]);
  });

  it.each([
    ['a JSON answer', 'application/json', `{"usage":{"prompt_tokens":1},"x":${DEEP}`],
    ['an SSE event', 'text/event-stream', `data: {"model":"m","x":${DEEP}}\n\ndata: {"usage":{"prompt_tokens":2},"y":${'['.repeat(300)}${']'.repeat(300)}}\n\ndata: [DONE]\n\n`],
  ])('relays %s nested too deep unchanged, warns, and records no usage from it', async (_name, type, text) => {
    const host = await aiHost(mode, githubConfig());
    const result = await host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: answering(type, text) });
    expect(result.status).toBe(200);
    expect(result.client.text).toBe(text);
    expect(filterState(result, 'ai_log')).toMatchObject({ input_token: 0, output_token: 0, total_token: 0 });
    expect(host.logs.messages('warn').filter((line) => /nest deeper than 128 levels; relayed unchanged, usage not read from them/.test(line))).toHaveLength(1);
    expectNoSecrets(host, [result, await expectStillServing(host)], [TOKEN]);
  });

  it('relays a model catalog nested too deep unchanged with a warning', async () => {
    const host = await aiHost(mode, githubConfig());
    const catalog = `[{"id":"openai/gpt-4.1","x":${DEEP}`;
    const result = await host.exchange({ headers: { ...CHAT_HEADERS, ':method': 'GET', ':path': '/v1/models' } }, { upstream: answering('application/json', catalog) });
    expect(result.client.text).toBe(catalog);
    expect(host.logs.messages('warn').some((line) => line.includes('model catalog') && line.includes('relayed unchanged'))).toBe(true);
    await expectStillServing(host);
  });
});
