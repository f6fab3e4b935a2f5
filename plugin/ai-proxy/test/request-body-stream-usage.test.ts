/**
 * The request side of streaming: a chat body with `stream: true` reaches the upstream with
 * `"stream_options":{"include_usage":true}` added and nothing else changed, unless the client already
 * chose `include_usage`, usage stats are disabled, the request does not stream, or it is not chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type RecordedRequest } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, expectNoSecrets, githubConfig, send } from '../test-support/ai-host.ts';

const INJECTED = '"stream_options":{"include_usage":true}';
const MESSAGES = '"messages":[ {"role":"user","content":"stream \\"stream\\": true \\u00e9"} ]';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

async function through(host: Host, body: string, path = '/v1/chat/completions'): Promise<{ result: ExchangeResult; seen: RecordedRequest }> {
  const before = fake.requests.length;
  const result = await send(host, fake.url, { body, path });
  expect(fake.requests.length).toBe(before + 1);
  return { result, seen: fake.requests[before]! };
}

/** `sent` is `forwarded` with exactly one insertion of `added` (and its separating comma) removed. */
function expectOneInsertion(forwarded: string, sent: string, added: string): void {
  const candidates = [`,${added}`, `${added},`, added].filter((piece) => forwarded.includes(piece));
  expect(candidates.length, `forwarded body lacks ${added}: ${forwarded}`).toBeGreaterThan(0);
  expect(forwarded.split(added)).toHaveLength(2);
  expect(candidates.some((piece) => forwarded.replace(piece, '') === sent), `forwarded ${forwarded} is not ${sent} plus ${added}`).toBe(true);
}

function expectSse(result: ExchangeResult): void {
  expect(result.status).toBe(200);
  expect(result.client.header('content-type')).toMatch(/^text\/event-stream/);
  expect(result.client.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
}

describe.each(MODES)('stream_options.include_usage on the request (%s)', (mode) => {
  it.each([
    ['stream before messages', `{"model":"openai/gpt-4.1", "stream" : true ,${MESSAGES}}`],
    ['stream last, odd spacing', `{ "model" : "openai/gpt-4.1",\n ${MESSAGES},\t"temperature":1.0, "stream":true\n}`],
  ])('stream: true gains include_usage (%s) and every other byte is kept', async (_name, raw) => {
    const host = await aiHost(mode, githubConfig());
    const { result, seen } = await through(host, raw);
    expectSse(result);
    expectOneInsertion(seen.body, raw, INJECTED);
    expect(JSON.parse(seen.body).stream_options).toEqual({ include_usage: true });
    expect(result.client.text).toContain('"usage"');
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it.each([
    ['include_usage: false', '{"include_usage" : false}'],
    ['include_usage: true', '{ "include_usage":true }'],
    ['include_usage: false with other fields', '{"continuous_usage_stats":true,"include_usage":false}'],
  ])('keeps the client\'s own %s byte for byte', async (_name, options) => {
    const host = await aiHost(mode, githubConfig());
    const raw = `{"model":"openai/gpt-4.1",${MESSAGES},"stream":true, "stream_options": ${options} }`;
    const { result, seen } = await through(host, raw);
    expectSse(result);
    expect(seen.body).toBe(raw);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it.each([
    ['other fields', '{ "continuous_usage_stats" : true, "x":[1,{"include_usage":false}] }'],
    ['an empty object', '{ }'],
  ])('adds include_usage inside stream_options with %s and keeps them', async (_name, options) => {
    const host = await aiHost(mode, githubConfig());
    const raw = `{"model":"openai/gpt-4.1",${MESSAGES},"stream_options": ${options},"stream":true}`;
    const { result, seen } = await through(host, raw);
    expectSse(result);
    expectOneInsertion(seen.body, raw, '"include_usage":true');
    expect(JSON.parse(seen.body).stream_options).toEqual({ ...JSON.parse(options), include_usage: true });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('disableStreamUsageStats: true injects nothing', async () => {
    const host = await aiHost(mode, githubConfig({ disableStreamUsageStats: true }));
    const raw = `{"model":"openai/gpt-4.1",${MESSAGES},"stream":true}`;
    const { result, seen } = await through(host, raw);
    expectSse(result);
    expect(seen.body).toBe(raw);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it.each([
    ['stream: false', ',"stream":false'],
    ['no stream field', ''],
    ['stream: "true" (a string)', ',"stream":"true"'],
    ['stream: 1', ',"stream":1'],
  ])('%s injects nothing and is answered as JSON', async (_name, field) => {
    const host = await aiHost(mode, githubConfig());
    const raw = `{"model":"openai/gpt-4.1",${MESSAGES}${field}}`;
    const { result, seen } = await through(host, raw);
    expect(result.status).toBe(200);
    expect(seen.body).toBe(raw);
    expect((result.client.json() as { object: string }).object).toBe('chat.completion');
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('embeddings never get stream_options, even with stream: true', async () => {
    const host = await aiHost(mode, githubConfig());
    const raw = '{"model":"openai/text-embedding-3-small","input":"hi","stream":true}';
    const { result, seen } = await through(host, raw, '/v1/embeddings');
    expect(result.status).toBe(200);
    expect(seen.body).toBe(raw);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('model mapping and include_usage apply together, each a single splice', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { fast: 'openai/gpt-4.1-mini' } }));
    const raw = `{"stream":true, "model" : "fast",${MESSAGES}}`;
    const { result, seen } = await through(host, raw);
    expectSse(result);
    expectOneInsertion(seen.body, raw.replace('"fast"', '"openai/gpt-4.1-mini"'), INJECTED);
    expectNoSecrets(host, [result], [TOKEN]);
  });
});
