/**
 * The OpenAI API surface on an `openai-compatible` provider, against the fake's `/v1` API: every JSON
 * API reaches its upstream path with host and token rewritten and only `model` mapped; id segments
 * reach the upstream (a model id mapped like a body's model); binary answers arrive byte for byte;
 * wrong methods are 405; unknown paths pass through (default) or are refused (`reject`); `github`
 * names what it has; `capabilities` paths take the client's ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type RecordedRequest } from '../fake/github-models.ts';
import { speechBytes } from '../fake/openai-answers.ts';
import { MODES, TOKEN, aiHost, expectNoSecrets, filterState, send, type ChatOptions } from '../test-support/ai-host.ts';

const DOMAIN = 'llm.example.com';
const MAPPING = { 'my-gpt': 'gpt-4.1', 'my-instruct': 'gpt-3.5-turbo-instruct', 'my-image': 'gpt-image-1', 'my-tts': 'gpt-4o-mini-tts', 'my-embed': 'text-embedding-3-small' };
const CLIENT_KEY = { authorization: 'Bearer sk-client-own-key' };

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

const compatible = (extra: Record<string, unknown> = {}) => ({ provider: { type: 'openai-compatible', providerDomain: DOMAIN, apiTokens: [TOKEN], modelMapping: MAPPING, ...extra } });

async function through(host: Host, options: ChatOptions): Promise<{ result: ExchangeResult; seen?: RecordedRequest }> {
  const before = fake.requests.length;
  const result = await send(host, fake.url, { ...options, headers: { ...CLIENT_KEY, ...options.headers } });
  expect(fake.requests.length - before).toBeLessThanOrEqual(1);
  const seen = fake.requests[before];
  if (seen) {
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.upstream?.authority).toBe(DOMAIN);
  }
  return { result, seen };
}

const JSON_APIS: Array<{ name: string; path: string; body: Record<string, unknown>; upstreamModel?: string }> = [
  { name: 'responses', path: '/v1/responses', body: { model: 'my-gpt', input: 'hello there', store: true }, upstreamModel: 'gpt-4.1' },
  { name: 'completions', path: '/v1/completions', body: { model: 'my-instruct', prompt: 'say this', max_tokens: 5 }, upstreamModel: 'gpt-3.5-turbo-instruct' },
  { name: 'images.generations', path: '/v1/images/generations', body: { model: 'my-image', prompt: 'a red fox', n: 1, size: '1024x1024' }, upstreamModel: 'gpt-image-1' },
  { name: 'moderations', path: '/v1/moderations', body: { input: 'a peaceful text' } },
  { name: 'embeddings', path: '/v1/embeddings', body: { model: 'my-embed', input: 'two words' }, upstreamModel: 'text-embedding-3-small' },
];

describe.each(MODES)('the OpenAI API surface (%s)', (mode) => {
  it.each(JSON_APIS)('$name: the upstream path, token and host, only the model changed', async ({ path, body, upstreamModel, name }) => {
    const host = await aiHost(mode, compatible());
    const text = JSON.stringify(body, null, 1);
    const { result, seen } = await through(host, { path, body: text });
    expect(result.status).toBe(200);
    expect(seen!.path).toBe(path);
    const expected = upstreamModel === undefined ? text : text.replace(`"model": "${body.model}"`, `"model": "${upstreamModel}"`);
    expect(seen!.body).toBe(expected);
    expect(filterState(result, 'ai_log')).toMatchObject({ api: name, status: 200, ...(upstreamModel ? { upstream_model: upstreamModel } : {}) });
    expectNoSecrets(host, [result], [TOKEN, 'sk-client-own-key']);
  });

  it('audio.speech: the binary answer reaches the client byte for byte, with its content type', async () => {
    const host = await aiHost(mode, compatible());
    const { result, seen } = await through(host, { path: '/v1/audio/speech', body: { model: 'my-tts', input: 'Hello world', voice: 'alloy' } });
    expect(result.status).toBe(200);
    expect(JSON.parse(seen!.body).model).toBe('gpt-4o-mini-tts');
    expect(result.client.header('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(result.client.body).equals(speechBytes('Hello world'))).toBe(true);
    expect(filterState(result, 'ai_log')).toMatchObject({ api: 'audio.speech', model: 'gpt-4o-mini-tts', status: 200, input_token: 0 });
  });

  it('ids in the path reach the upstream; GET /v1/models/{model} maps the id like a body model', async () => {
    const host = await aiHost(mode, compatible());
    const model = await through(host, { path: '/v1/models/my-gpt', method: 'GET' });
    expect(model.seen!.path).toBe('/v1/models/gpt-4.1');
    expect(model.result.client.json()).toMatchObject({ id: 'gpt-4.1', object: 'model' });
    expect(filterState(model.result, 'ai_log')).toMatchObject({ api: 'model', request_model: 'my-gpt', upstream_model: 'gpt-4.1' });

    const created = (await through(host, { path: '/v1/responses', body: { model: 'gpt-4.1', input: 'keep me' } })).result.client.json() as { id: string };
    const retrieved = await through(host, { path: `/v1/responses/${created.id}?include[]=message.input_image.image_url`, method: 'GET' });
    expect(retrieved.seen!.path).toBe(`/v1/responses/${created.id}?include[]=message.input_image.image_url`);
    expect(retrieved.result.client.json()).toMatchObject({ id: created.id, status: 'completed' });
    expect(filterState(retrieved.result, 'ai_log')).toMatchObject({ api: 'response', input_token: 0, total_token: 0 });
    const items = await through(host, { path: `/v1/responses/${created.id}/input_items?limit=5`, method: 'GET' });
    expect(items.seen!.path).toBe(`/v1/responses/${created.id}/input_items?limit=5`);
    expect(items.result.client.json()).toMatchObject({ object: 'list', data: [{ content: [{ text: 'keep me' }] }] });
    const cancelled = await through(host, { path: `/v1/responses/${created.id}/cancel` });
    expect(cancelled.result.client.json()).toMatchObject({ status: 'cancelled' });
    const deleted = await through(host, { path: `/v1/responses/${created.id}`, method: 'DELETE' });
    expect(deleted.result.client.json()).toEqual({ id: created.id, object: 'response', deleted: true });
  });

  it('batches: created from a raw JSON body (no model), retrieved, cancelled', async () => {
    const host = await aiHost(mode, compatible());
    const upload = await fetch(`${fake.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: formWith('batch.jsonl', '{"custom_id":"1"}\n') });
    const file = (await upload.json()) as { id: string };
    const body = `{"input_file_id":"${file.id}","endpoint":"/v1/chat/completions","completion_window":"24h"}`;
    const created = await through(host, { path: '/v1/batches', body });
    expect(created.seen!.body).toBe(body);
    expect(created.seen!.headers['content-length']).toBe(String(body.length));
    const batch = created.result.client.json() as { id: string; status: string };
    expect(batch.status).toBe('validating');
    expect((await through(host, { path: `/v1/batches/${batch.id}`, method: 'GET' })).result.client.json()).toMatchObject({ id: batch.id });
    expect((await through(host, { path: `/v1/batches/${batch.id}/cancel` })).result.client.json()).toMatchObject({ status: 'cancelling' });
  });

  it('a known path with a method its API does not serve: 405 naming the methods under reject, forwarded under passthrough', async () => {
    const forwarded = await through(await aiHost(mode, compatible()), { path: '/v1/chat/completions?limit=3', method: 'GET' });
    expect(forwarded.seen!.path).toBe('/v1/chat/completions?limit=3');
    const host = await aiHost(mode, compatible({ unknownApiPolicy: 'reject' }));
    const get = await through(host, { path: '/v1/responses', method: 'GET' });
    expect(get.seen).toBeUndefined();
    expect(get.result.status).toBe(405);
    expect(get.result.client.json()).toMatchObject({ error: { code: 'method_not_allowed', message: '/v1/responses accepts POST, not GET' } });
    const put = await through(host, { path: '/v1/files', method: 'PUT', body: '{}' });
    expect(put.result.client.json()).toMatchObject({ error: { message: '/v1/files accepts GET or POST, not PUT' } });
  });

  it('unknownApiPolicy passthrough (the default here): other paths go to the provider with its token, under providerBasePath', async () => {
    const host = await aiHost(mode, compatible({ providerBasePath: '/openai' }));
    const { result, seen } = await through(host, { path: '/v1/fine_tuning/jobs?limit=2', method: 'GET', headers: { 'x-api-key': 'client-x-key' } });
    expect(seen!.path).toBe('/openai/v1/fine_tuning/jobs?limit=2');
    expect(seen!.headers['x-api-key']).toBeUndefined();
    expect(result.status).toBe(404);
    expect(result.client.json()).toMatchObject({ message: 'Not Found' });
    const compact = await through(host, { path: '/v1/responses/compact', body: { model: 'my-gpt', input: 'x' } });
    expect(compact.seen!.path).toBe('/openai/v1/responses/compact');
    expect(JSON.parse(compact.seen!.body).model).toBe('my-gpt');
    for (const path of ['/v1/files/%2e%2e/%2E%2e/admin', '/v1/files/..%2F..%2Fadmin/content', '/v1/x/..%5Cadmin', '/v1/files/..;x/content']) {
      const escape = await through(host, { path, method: 'GET' });
      expect(escape.seen).toBeUndefined();
      expect(escape.result.client.json()).toMatchObject({ error: { code: 'invalid_path' } });
    }
    const original = await through(await aiHost(mode, compatible({ protocol: 'original', providerBasePath: '/openai' })), { path: '/v1/../../admin', method: 'GET' });
    expect(original.seen).toBeUndefined();
    expect(original.result.client.json()).toMatchObject({ error: { code: 'invalid_path' } });
    const nested = await through(host, { path: '/v1/vector_stores/vs_1/files/file-123', method: 'DELETE' });
    expect(nested.seen!.path).toBe('/openai/v1/vector_stores/vs_1/files/file-123');
    expect(filterState(nested.result, 'ai_log')).toBeUndefined();
    expectNoSecrets(host, [result, compact.result], [TOKEN, 'sk-client-own-key', 'client-x-key']);
  });

  it('unknownApiPolicy reject: other paths get the 404 naming every path the provider serves', async () => {
    const host = await aiHost(mode, compatible({ unknownApiPolicy: 'reject' }));
    const { result, seen } = await through(host, { path: '/v1/fine_tuning/jobs', method: 'GET' });
    expect(seen).toBeUndefined();
    expect(result.status).toBe(404);
    const message = (result.client.json() as { error: { message: string } }).error.message;
    for (const path of ['/v1/chat/completions', '/v1/responses', '/v1/responses/{response_id}/input_items', '/v1/audio/transcriptions', '/v1/files/{file_id}/content', '/v1/batches/{batch_id}/cancel']) {
      expect(message).toContain(path);
    }
  });

  it('github: the Responses API and the others are 404 naming chat, embeddings and models', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] } });
    for (const path of ['/v1/responses', '/v1/completions', '/v1/audio/speech']) {
      const { result, seen } = await through(host, { path, body: { model: 'openai/gpt-4.1', input: 'x' } });
      expect(seen).toBeUndefined();
      expect(result.client.json()).toMatchObject({ error: { code: 'unsupported_api', message: `the path ${path} is not supported by provider "github" (type github); supported: /v1/chat/completions, /v1/embeddings, /v1/models` } });
    }
  });

  it('capabilities: a path with the API\'s id segments takes the client\'s ids; content types are checked per API', async () => {
    const host = await aiHost(mode, compatible({ capabilities: { 'openai/v1/retrievefile': '/storage/{file_id}/meta?v=2', 'openai/v1/retrievefilecontent': '/blob?id={file_id}', 'openai/v1/responses': '/v2/respond' } }));
    const file = await through(host, { path: '/v1/files/file-abc?x=1', method: 'GET' });
    expect(file.seen!.path).toBe('/storage/file-abc/meta?v=2&x=1');
    const content = await through(host, { path: '/v1/files/a%26admin%3D1/content', method: 'GET' });
    expect(content.seen!.path).toBe('/blob?id=a%26admin%3D1');
    const injected = await through(host, { path: '/v1/files/a&admin=1/content', method: 'GET' });
    expect(injected.seen!.path).toBe('/blob?id=a%26admin%3D1');
    const respond = await through(host, { path: '/v1/responses', body: { model: 'my-gpt', input: 'x' } });
    expect(respond.seen!.path).toBe('/v2/respond');
    const form = await through(host, { path: '/v1/responses', body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    expect(form.result.client.json()).toMatchObject({ error: { code: 'unsupported_media_type', message: 'the request body must be application/json, got "multipart/form-data; boundary=b"' } });
    const notForm = await through(host, { path: '/v1/audio/transcriptions', body: { model: 'whisper-1' } });
    expect(notForm.result.client.json()).toMatchObject({ error: { code: 'unsupported_media_type', message: 'the request body must be multipart/form-data with a boundary, got "application/json"' } });
    expect([form.seen, notForm.seen]).toEqual([undefined, undefined]);
  });
});

describe.each(MODES)('capabilities add APIs to a type (%s)', (mode) => {
  it('azure-ai-foundry with openai/v1/responses: the Responses API at the configured path, with the api-key', async () => {
    const host = await aiHost(mode, { provider: { type: 'azure-ai-foundry', providerDomain: 'res.services.ai.azure.com', apiTokens: [TOKEN], capabilities: { 'openai/v1/responses': '/v1/responses' } } });
    const before = fake.requests.length;
    const result = await send(host, fake.url, { path: '/v1/responses', body: { model: 'gpt-4.1', input: 'x' } });
    expect(fake.requests[before]!.path).toBe('/v1/responses');
    expect(fake.requests[before]!.headers['api-key']).toBe(TOKEN);
    expect(result.client.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const other = await send(host, fake.url, { path: '/v1/completions', body: { model: 'gpt-4.1', prompt: 'x' } });
    expect(other.client.json()).toMatchObject({ error: { code: 'unsupported_api' } });
  });
});

function formWith(filename: string, content: string): FormData {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([content]), filename);
  return form;
}
