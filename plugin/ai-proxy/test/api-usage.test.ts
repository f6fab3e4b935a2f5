/**
 * Usage of the APIs beyond chat, recorded like chat usage in `wasm.ai_log` and the per-route counters:
 * the Responses API from its JSON answer and from its SSE events (`response.created` names the model,
 * `response.completed` carries `input_tokens`/`output_tokens`/`total_tokens`), relayed unchanged;
 * completions (streams asked for usage like chat); images; transcriptions (multipart, model from the
 * form field). Reading a stored response records no usage again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { SseParser } from '../response/sse-parser.ts';
import { label } from '../telemetry.ts';
import { MODES, TOKEN, aiHost, filterState, send } from '../test-support/ai-host.ts';
import { MULTIPART_TYPE, binaryFile, multipartBody } from '../test-support/multipart.ts';

const ROUTE = 'api-route';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

const config = { provider: { type: 'openai', apiTokens: [TOKEN], modelMapping: { 'my-gpt': 'gpt-4.1', 'my-transcribe': 'gpt-4o-transcribe' } } };
const host = (mode: Parameters<typeof aiHost>[0]) => aiHost(mode, config, { properties: { route_name: ROUTE } });

function counters(h: Host, model: string): bigint[] {
  return ['requests', 'input_token', 'output_token', 'total_token'].map((name) => h.metrics.find(`ai_proxy.route.${ROUTE}.model.${label(model)}.${name}`, 'counter')?.value ?? 0n);
}

function events(result: ExchangeResult): Array<{ event?: string; data: Record<string, unknown> }> {
  return new SseParser(true).push(result.client.body).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> }));
}

describe.each(MODES)('usage of the other APIs (%s)', (mode) => {
  it('responses: usage and model from the JSON answer', async () => {
    const h = await host(mode);
    const result = await send(h, fake.url, { path: '/v1/responses', body: { model: 'my-gpt', input: 'one two three', instructions: 'be brief' } });
    const answer = result.client.json() as { usage: { input_tokens: number; output_tokens: number; total_tokens: number } };
    expect(answer.usage).toMatchObject({ input_tokens: 5, output_tokens: 4, total_tokens: 9 });
    expect(filterState(result, 'ai_log')).toMatchObject({ api: 'responses', request_model: 'my-gpt', model: 'gpt-4.1', stream: false, input_token: 5, output_token: 4, total_token: 9, complete: true });
    expect(counters(h, 'gpt-4.1')).toEqual([1n, 5n, 4n, 9n]);
  });

  it('responses streamed: the events reach the client as sent (named, numbered), usage from response.completed', async () => {
    const h = await host(mode);
    const result = await send(h, fake.url, { path: '/v1/responses', body: { model: 'my-gpt', input: 'stream these words', stream: true } });
    expect(result.client.header('content-type')).toBe('text/event-stream');
    const seen = events(result);
    expect(seen.map((e) => e.data.sequence_number)).toEqual(seen.map((_, i) => i));
    for (const e of seen) expect(e.event).toBe(e.data.type);
    expect(seen.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta).join('')).toBe('Echo: stream these words');
    expect(seen.at(-1)!.event).toBe('response.completed');
    expect(JSON.parse(fake.requests.at(-1)!.body).stream_options).toBeUndefined();
    expect(filterState(result, 'ai_log')).toMatchObject({ api: 'responses', model: 'gpt-4.1', stream: true, input_token: 3, output_token: 4, total_token: 7, complete: true });
    expect(counters(h, 'gpt-4.1')).toEqual([1n, 3n, 4n, 7n]);
  });

  it('reading a stored response back records no usage again', async () => {
    const h = await host(mode);
    const created = (await send(h, fake.url, { path: '/v1/responses', body: { model: 'gpt-4.1', input: 'a b' } })).client.json() as { id: string };
    const read = await send(h, fake.url, { path: `/v1/responses/${created.id}`, method: 'GET' });
    expect(read.client.json()).toMatchObject({ usage: { total_tokens: 5 } });
    expect(filterState(read, 'ai_log')).toMatchObject({ api: 'response', total_token: 0 });
    expect(counters(h, 'gpt-4.1')).toEqual([1n, 2n, 3n, 5n]);
  });

  it('completions: usage from the answer, and from a stream asked for usage like chat', async () => {
    const h = await host(mode);
    const plain = await send(h, fake.url, { path: '/v1/completions', body: { model: 'gpt-3.5-turbo-instruct', prompt: 'say hi' } });
    expect(filterState(plain, 'ai_log')).toMatchObject({ api: 'completions', input_token: 2, output_token: 3, total_token: 5 });
    const streamed = await send(h, fake.url, { path: '/v1/completions', body: { model: 'gpt-3.5-turbo-instruct', prompt: 'say hi', stream: true } });
    expect(JSON.parse(fake.requests.at(-1)!.body).stream_options).toEqual({ include_usage: true });
    expect(streamed.client.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(filterState(streamed, 'ai_log')).toMatchObject({ api: 'completions', stream: true, input_token: 2, output_token: 3, total_token: 5 });
    expect(counters(h, 'gpt-3.5-turbo-instruct')).toEqual([2n, 4n, 6n, 10n]);
  });

  it('images: usage from the generation answer', async () => {
    const h = await host(mode);
    const result = await send(h, fake.url, { path: '/v1/images/generations', body: { model: 'gpt-image-1', prompt: 'a red fox', n: 2 } });
    expect(filterState(result, 'ai_log')).toMatchObject({ api: 'images.generations', model: 'gpt-image-1', input_token: 3, output_token: 544, total_token: 547 });
  });

  it('transcriptions: the multipart upload goes through, the model field mapped, usage recorded', async () => {
    const h = await host(mode);
    const body = multipartBody([
      { name: 'model', value: 'my-transcribe' },
      { name: 'file', value: binaryFile(1000), filename: 'speech.mp3', contentType: 'audio/mpeg' },
    ]);
    const result = await send(h, fake.url, { path: '/v1/audio/transcriptions', body: new Uint8Array(body), headers: { 'content-type': MULTIPART_TYPE } });
    expect(result.client.json()).toMatchObject({ text: 'Transcript of speech.mp3: 1000 bytes', usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } });
    expect(fake.requests.at(-1)!.bytes.equals(Buffer.from(body.toString('latin1').replace('my-transcribe', 'gpt-4o-transcribe'), 'latin1'))).toBe(true);
    expect(filterState(result, 'ai_log')).toMatchObject({ api: 'audio.transcriptions', request_model: 'my-transcribe', upstream_model: 'gpt-4o-transcribe', input_token: 10, output_token: 5, total_token: 15 });
    expect(counters(h, 'gpt-4o-transcribe')).toEqual([1n, 10n, 5n, 15n]);
  });
});
