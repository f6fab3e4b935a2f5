/**
 * The official `openai` npm client (pinned) against the built module behind the harness gateway with a
 * local response cache and the fake GitHub Models upstream: a cached plain answer and a cached streamed
 * answer parse as the client's own types (also across shapes: a stream synthesised from a stored plain
 * answer, a completion assembled from a stored stream), and the hits never reach the upstream.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../../harness/src/index.ts';
import { startGateway, type Gateway } from '../../../harness/src/serve/gateway.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { plugin } from '../test-support/ai-host.ts';

const TOKEN = 'ghp_fake_token';
let fake: FakeGitHubModels;
let host: Host;
let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeGitHubModels();
  host = await createHost({ module: plugin.wasm, pluginConfig: { provider: { type: 'github', apiTokens: [TOKEN] }, cache: { backend: 'local', ttl: 300 } }, clock: 'real' });
  gateway = await startGateway({ host, upstream: fake.url });
  client = new OpenAI({ apiKey: 'client-key-not-forwarded', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  host.close();
  await fake.close();
});

const inference = () => fake.requests.filter((r) => r.path === '/inference/chat/completions').length;
const question = (text: string) => [{ role: 'user' as const, content: text }];

async function streamed(messages: ReturnType<typeof question>) {
  const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4.1', messages, stream: true }).withResponse();
  let content = '';
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of data) {
    content += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, usage, cache: response.headers.get('x-cache') };
}

describe('the openai client and cached answers', () => {
  it('parses a cached plain answer, and a stream synthesised from it', async () => {
    const before = inference();
    const first = await client.chat.completions.create({ model: 'openai/gpt-4.1', messages: question('plain question') }).withResponse();
    const second = await client.chat.completions.create({ model: 'openai/gpt-4.1', messages: question('plain question') }).withResponse();
    expect([first.response.headers.get('x-cache'), second.response.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
    expect(second.data).toEqual(first.data);
    expect(second.data.choices[0]!.message.content).toBe('Echo: plain question');
    const synthesised = await streamed(question('plain question'));
    expect(synthesised).toEqual({ content: 'Echo: plain question', usage: first.data.usage, cache: 'HIT' });
    expect(inference() - before).toBe(1);
  });

  it('parses a cached streamed answer, and a completion assembled from it', async () => {
    const before = inference();
    const first = await streamed(question('streamed question'));
    const second = await streamed(question('streamed question'));
    expect(first.cache).toBe('MISS');
    expect(second).toEqual({ ...first, cache: 'HIT' });
    expect(second.content).toBe('Echo: streamed question');
    const assembled = await client.chat.completions.create({ model: 'openai/gpt-4.1', messages: question('streamed question') });
    expect(assembled.choices[0]!.message.content).toBe('Echo: streamed question');
    expect(assembled.choices[0]!.finish_reason).toBe('stop');
    expect(assembled.usage).toEqual(first.usage);
    expect(inference() - before).toBe(1);
  });
});
