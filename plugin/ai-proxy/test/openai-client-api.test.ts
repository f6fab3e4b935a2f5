/**
 * The official `openai` npm client against `npm start` (the built module behind the harness gateway, the
 * bundled fake's `/v1` API upstream, an `openai-compatible` provider with model aliases), as a new user
 * would try it: Responses plain and streamed (the SDK's own event parser reads the relayed stream),
 * retrieve, completions, models.retrieve, speech (binary), transcriptions (multipart) and images, with
 * usage recorded in the `wasm.ai_log` the CLI prints per request.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechBytes } from '../fake/openai-answers.ts';
import { plugin } from '../test-support/ai-host.ts';
import { binaryFile } from '../test-support/multipart.ts';
import { startServe, stopServe, type ServeRun } from '../test-support/serve-cli.ts';

const TOKEN = 'ghp_fake_token';
const CONFIG = {
  provider: {
    type: 'openai-compatible', providerDomain: 'llm.example.com', apiTokens: [TOKEN],
    modelMapping: { 'my-gpt': 'gpt-4.1', 'my-instruct': 'gpt-3.5-turbo-instruct', 'my-tts': 'gpt-4o-mini-tts', 'my-transcribe': 'gpt-4o-transcribe', 'my-image': 'gpt-image-1' },
  },
};

const dir = mkdtempSync(join(tmpdir(), 'openai-client-api-'));
let run: ServeRun;
let client: OpenAI;

beforeAll(async () => {
  writeFileSync(join(dir, 'ai-proxy.wasm'), plugin.wasm);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
  run = startServe(['--port', '0', '--plugin', join(dir, 'ai-proxy.wasm'), '--config', join(dir, 'config.json')]);
  client = new OpenAI({ baseURL: `${await run.ready}/v1`, apiKey: 'sk-client-own-key', maxRetries: 0 });
});
afterAll(async () => {
  if (run) expect(await stopServe(run)).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

/** Where the CLI's output stands, so `aiLog` reads only what came after. */
const mark = (): number => run.out.text.length;

/** The `wasm.ai_log` the CLI printed for the first request to `path` after `since`. */
async function aiLog(since: number, method: string, path: string): Promise<Record<string, unknown>> {
  const pattern = new RegExp(`^${method} ${path.replace(/[/?]/g, '\\$&')}(?:\\?\\S*)? -> \\d+\\n  ai_log (.+)$`, 'm');
  for (let i = 0; i < 100; i++) {
    const found = pattern.exec(run.out.text.slice(since));
    if (found) return JSON.parse(found[1]!) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ai_log line for ${method} ${path} in:\n${run.out.text}`);
}

describe('the openai client through npm start', () => {
  it('responses.create, plain: output_text and usage, recorded', async () => {
    const since = mark();
    const response = await client.responses.create({ model: 'my-gpt', input: 'hello there gateway' });
    expect(response.output_text).toBe('Echo: hello there gateway');
    expect(response.model).toBe('gpt-4.1');
    expect(response.usage).toMatchObject({ input_tokens: 3, output_tokens: 4, total_tokens: 7 });
    expect(await aiLog(since, 'POST', '/v1/responses')).toMatchObject({ api: 'responses', request_model: 'my-gpt', model: 'gpt-4.1', input_token: 3, output_token: 4, total_token: 7 });
  });

  it('responses.create, streamed: the SDK parses every relayed event; retrieve finds the response', async () => {
    const since = mark();
    const stream = await client.responses.create({ model: 'my-gpt', input: 'stream me please', stream: true });
    const types: string[] = [];
    let text = '';
    let id = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') {
        id = event.response.id;
        expect(event.response.usage).toMatchObject({ input_tokens: 3, output_tokens: 4, total_tokens: 7 });
      }
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toBe('Echo: stream me please');
    expect(await aiLog(since, 'POST', '/v1/responses')).toMatchObject({ stream: true, input_token: 3, output_token: 4, complete: true });
    const again = await client.responses.retrieve(id);
    expect(again).toMatchObject({ id, status: 'completed', output_text: 'Echo: stream me please' });
  });

  it('completions.create and models.retrieve through the aliases', async () => {
    const since = mark();
    const completion = await client.completions.create({ model: 'my-instruct', prompt: 'say hi', max_tokens: 5 });
    expect(completion.choices[0]!.text).toBe('Echo: say hi');
    expect(await aiLog(since, 'POST', '/v1/completions')).toMatchObject({ api: 'completions', input_token: 2, output_token: 3 });
    expect(await client.models.retrieve('my-gpt')).toMatchObject({ id: 'gpt-4.1', object: 'model' });
  });

  it('audio.speech.create: the bytes arrive as the upstream sent them', async () => {
    const speech = await client.audio.speech.create({ model: 'my-tts', voice: 'alloy', input: 'Hello from the gateway' });
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await speech.arrayBuffer()).equals(speechBytes('Hello from the gateway'))).toBe(true);
  });

  it('audio.transcriptions.create: a multipart upload with the model field mapped, usage recorded', async () => {
    const since = mark();
    const file = await toFile(Buffer.from(binaryFile(4321)), 'meeting.mp3', { type: 'audio/mpeg' });
    const transcript = await client.audio.transcriptions.create({ model: 'my-transcribe', file });
    expect(transcript.text).toBe('Transcript of meeting.mp3: 4321 bytes');
    expect(await aiLog(since, 'POST', '/v1/audio/transcriptions')).toMatchObject({ api: 'audio.transcriptions', upstream_model: 'gpt-4o-transcribe', input_token: 44, output_token: 5, total_token: 49 });
  });

  it('images.generate: the image and its usage', async () => {
    const since = mark();
    const image = await client.images.generate({ model: 'my-image', prompt: 'a lighthouse at dusk' });
    expect(Buffer.from(image.data![0]!.b64_json!, 'base64').toString()).toBe('fake-png 0 a lighthouse at dusk');
    expect(await aiLog(since, 'POST', '/v1/images/generations')).toMatchObject({ api: 'images.generations', model: 'gpt-image-1', input_token: 4, total_token: 276 });
  });

  it('never prints the provider token or the client key', () => {
    expect(run.out.text).not.toContain(TOKEN);
    expect(run.out.text).not.toContain('sk-client-own-key');
  });
});
