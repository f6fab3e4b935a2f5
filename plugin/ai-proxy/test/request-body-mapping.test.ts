/**
 * `modelMapping` through the proxy: the upstream receives the client's body byte for byte except for the
 * top-level `model` value (odd whitespace, key order, `1.0`, big integers, unicode escapes and "model"
 * strings inside messages all survive); exact names win, then `prefix*`/`~regex` in written order, then
 * `*`; an empty target keeps the requested name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type RecordedRequest } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

/** A chat body whose top-level `model` value is `literal`, surrounded by bytes a re-serializer would change. */
function oddBody(literal: string): { before: string; after: string; raw: string } {
  const before =
    '{ \n\t"messages" : [ {"role":"system","content":"the \\"model\\": \\"gpt-4o\\" is \\u00e9\\ud83d\\ude00 caf\u00e9 \u{1F680}"} ,\r\n' +
    '   {"content":"model","role":"user", "model": "gpt-4o"} ],  "temperature":1.0,"top_p" : 0.50, "seed":12345678901234567890123,\n' +
    '  "logit_bias":{"100":-1.500e+1},"user":"\\u0041\\/b",\t"model"  :  ';
  const after = '  , "n":1 , "metadata":{"model":"gpt-4o","k":[1,2.0,-0.0,true,null]}   }\n';
  return { before, after, raw: before + literal + after };
}

async function through(host: Host, body: string, path = '/v1/chat/completions'): Promise<{ result: ExchangeResult; seen: RecordedRequest }> {
  const before = fake.requests.length;
  const result = await send(host, fake.url, { body, path });
  expect(fake.requests.length).toBe(before + 1);
  return { result, seen: fake.requests[before]! };
}

describe.each(MODES)('modelMapping through the proxy (%s)', (mode) => {
  it('changes only the top-level model; every other byte reaches the upstream unchanged', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { 'gpt-4o': 'openai/gpt-4.1' } }));
    const { before, after, raw } = oddBody('"gpt-4o"');
    const { result, seen } = await through(host, raw);
    expect(result.status).toBe(200);
    expect(seen.body).toBe(`${before}"openai/gpt-4.1"${after}`);
    expect(Buffer.from(result.upstream!.body).toString('utf8')).toBe(seen.body);
    expect(filterState(result, 'ai_log')).toMatchObject({ request_model: 'gpt-4o', upstream_model: 'openai/gpt-4.1' });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('maps a model name written with unicode escapes, replacing the whole literal', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { 'gpt-4o': 'openai/gpt-4.1' } }));
    const { before, after, raw } = oddBody('"gpt\\u002d4\\u006f"');
    const { result, seen } = await through(host, raw);
    expect(result.status).toBe(200);
    expect(seen.body).toBe(`${before}"openai/gpt-4.1"${after}`);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('forwards the body byte-identical when no rule matches or the target is empty', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { 'openai/gpt-4.1': '', 'gpt-4o': 'openai/gpt-4.1-mini' } }));
    const results: ExchangeResult[] = [];
    for (const literal of ['"openai/gpt-4.1"', '"microsoft/Phi-4"']) {
      const { raw } = oddBody(literal);
      const { result, seen } = await through(host, raw);
      expect(result.status).toBe(200);
      expect(seen.body).toBe(raw);
      results.push(result);
    }
    expect(filterState(results[0]!, 'ai_log')).toMatchObject({ request_model: 'openai/gpt-4.1', upstream_model: 'openai/gpt-4.1' });
    expectNoSecrets(host, results, [TOKEN]);
  });

  it.each([
    ['exact', 'gpt-4o', 'openai/gpt-4.1'],
    ['exact beats an earlier prefix', 'gpt-4o-mini', 'microsoft/Phi-4'],
    ['prefix', 'gpt-4-turbo', 'openai/gpt-4.1-mini'],
    ['regex with $1', 'phi-4', 'microsoft/Phi-4'],
    ['regex keeping the rest of the name', 'embed-3-small', 'openai/text-embedding-3-small'],
    ['the first matching prefix/regex in written order', 'gpt-3', 'openai/gpt-4.1-mini'],
    ['* for everything else', 'llama-3-70b', 'openai/gpt-4.1'],
    ['an empty target keeps the requested name', 'openai/gpt-4.1', 'openai/gpt-4.1'],
  ])('%s: %s → %s', async (_rule, requested, expected) => {
    const host = await aiHost(mode, githubConfig({
      modelMapping: {
        'gpt-*': 'openai/gpt-4.1-mini',
        '~^gpt-(\\d)$': 'never-used',
        '~^phi-(\\d+)$': 'microsoft/Phi-$1',
        '~^embed-(\\d)-(small)$': 'openai/text-embedding-$1-$2',
        'gpt-4o': 'openai/gpt-4.1',
        'gpt-4o-mini': 'microsoft/Phi-4',
        'openai/gpt-4.1': '',
        '*': 'openai/gpt-4.1',
      },
    }));
    const { before, after, raw } = oddBody(JSON.stringify(requested));
    const { result, seen } = await through(host, raw);
    expect(result.status).toBe(200);
    expect(seen.body).toBe(`${before}${JSON.stringify(expected)}${after}`);
    expect(JSON.parse(seen.body).model).toBe(expected);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('maps embeddings models the same way, model first or last in the body', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { 'small-embed': 'openai/text-embedding-3-small' } }));
    const first = '{"model":"small-embed" ,"input":["a\\u0020b","\u00fc"],"dimensions":4}';
    const last = '{"input":"x", "encoding_format":"float","model":"small-embed"}';
    const results: ExchangeResult[] = [];
    for (const raw of [first, last]) {
      const { result, seen } = await through(host, raw, '/v1/embeddings');
      expect(result.status).toBe(200);
      expect(seen.body).toBe(raw.replace('"small-embed"', '"openai/text-embedding-3-small"'));
      results.push(result);
    }
    expectNoSecrets(host, results, [TOKEN]);
  });

  it('a body the mapping cannot apply to is refused locally, and the next request is mapped', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { '*': 'openai/gpt-4.1' } }));
    const before = fake.requests.length;
    const bad = await send(host, fake.url, { body: '{"model": 42, "messages": []}' });
    expect(bad.status).toBe(400);
    expect(fake.requests.length).toBe(before);
    expect((bad.client.json() as { error: { code: string } }).error.code).toBe('invalid_model');
    const { raw, before: head, after } = oddBody('"anything"');
    const { result, seen } = await through(host, raw);
    expect(result.status).toBe(200);
    expect(seen.body).toBe(`${head}"openai/gpt-4.1"${after}`);
    expectNoSecrets(host, [bad, result], [TOKEN]);
  });
});
