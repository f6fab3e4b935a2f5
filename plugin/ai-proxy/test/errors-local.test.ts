/**
 * Errors the plugin answers itself: OpenAI-style JSON `{"error":{"message","type","code"}}` with
 * content-type application/json, a fitting status and response details `ai-proxy.<code>`, without
 * contacting the upstream; the same VM serves a good request right after each one. On the Higress
 * build an error found in the body starts no upstream request at all (the headers were held); on the
 * Envoy build the headers had already left when the body was checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeRequest, ExchangeResult } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, githubConfig, holdsHeaders, send, type PluginMode } from '../test-support/ai-host.ts';
import { AiProxyRoot } from '../root.ts';

const LIMIT = 1024;

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(async () => {
  await fake.close();
});

const json = (value: unknown) => JSON.stringify(value);
const padded = (bytes: number) => {
  const base = json(chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: '' }] }));
  return json(chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: 'x'.repeat(bytes - base.length) }] }));
};
const request = (headers: Record<string, string>, body?: ExchangeRequest['body']): ExchangeRequest => ({ headers: { ...CHAT_HEADERS, ...headers }, body });

interface Case {
  name: string;
  request: ExchangeRequest;
  status: number;
  code: string;
  message: RegExp;
  /** Found in the body, after the request headers were checked. */
  inBody?: boolean;
}

const CASES: Case[] = [
  { name: 'malformed JSON', request: request({}, '{"model":"openai/gpt-4.1","messages":[}'), status: 400, code: 'invalid_json', message: /not valid JSON/ , inBody: true },
  { name: 'truncated JSON', request: request({}, ['{"model":"openai/gpt-4.1",', '"messages":[']), status: 400, code: 'invalid_json', message: /not valid JSON/ , inBody: true },
  { name: 'an array body', request: request({}, json([chatBody()])), status: 400, code: 'invalid_body', message: /must be a JSON object, got an array/ , inBody: true },
  { name: 'a string body', request: request({}, '"hello"'), status: 400, code: 'invalid_body', message: /must be a JSON object, got a string/ , inBody: true },
  { name: 'a null body', request: request({}, 'null'), status: 400, code: 'invalid_body', message: /must be a JSON object, got null/ , inBody: true },
  { name: 'a missing model', request: request({}, json({ messages: [{ role: 'user', content: 'hi' }] })), status: 400, code: 'missing_model', message: /model/ , inBody: true },
  { name: 'a numeric model', request: request({}, json(chatBody('openai/gpt-4.1', { model: 5 }))), status: 400, code: 'invalid_model', message: /must be a string, got a number/ , inBody: true },
  { name: 'text/plain', request: request({ 'content-type': 'text/plain' }, json(chatBody())), status: 415, code: 'unsupported_media_type', message: /application\/json, got "text\/plain"/ },
  { name: 'no content type', request: { headers: Object.fromEntries(Object.entries(CHAT_HEADERS).filter(([k]) => k !== 'content-type')), body: json(chatBody()) }, status: 415, code: 'unsupported_media_type', message: /no content-type/ },
  { name: 'application/jsonl', request: request({ 'content-type': 'application/jsonl' }, json(chatBody())), status: 415, code: 'unsupported_media_type', message: /jsonl/ },
  { name: 'a declared content-length over the limit', request: request({ 'content-length': String(LIMIT + 1) }, padded(LIMIT + 1)), status: 413, code: 'request_too_large', message: new RegExp(`${LIMIT + 1} bytes exceeds the limit of ${LIMIT} bytes`) },
  { name: 'a chunked body growing over the limit', request: request({}, [padded(LIMIT + 200).slice(0, 600), padded(LIMIT + 200).slice(600)]), status: 413, code: 'request_too_large', message: new RegExp(`limit of ${LIMIT} bytes`) , inBody: true },
  { name: 'invalid UTF-8', request: request({}, [new TextEncoder().encode('{"model":"openai/gpt-4.1","messages":[{"role":"user","content":"'), new Uint8Array([0xc3, 0x28, 0xff]), new TextEncoder().encode('"}]}')]), status: 400, code: 'invalid_encoding', message: /not valid UTF-8/ , inBody: true },
  { name: 'an unsupported path', request: request({ ':path': '/v1/completions' }, json(chatBody())), status: 404, code: 'unsupported_api', message: /\/v1\/completions is not supported .*\/v1\/chat\/completions, \/v1\/embeddings, \/v1\/models/ },
  { name: 'an unknown API below a known one', request: request({ ':path': '/v1/chat/completions/extra' }, json(chatBody())), status: 404, code: 'unsupported_api', message: /not supported/ },
  { name: 'no body', request: request({}), status: 400, code: 'missing_body', message: /no body/ },
  { name: 'request trailers after the body', request: { headers: CHAT_HEADERS, body: json(chatBody()), trailers: { 'x-checksum': 'abc' } }, status: 400, code: 'unsupported_trailers', message: /trailers are not supported/, inBody: true },
  { name: 'GET on chat', request: request({ ':method': 'GET' }), status: 405, code: 'method_not_allowed', message: /accepts POST, not GET/ },
];

function expectOpenAiError(result: ExchangeResult, c: Case, mode: PluginMode): void {
  expect(result.status).toBe(c.status);
  expect(result.client.header('content-type')).toBe('application/json');
  expect(result.stream.localReply?.details).toBe(`ai-proxy.${c.code}`);
  const body = result.client.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'type']);
  expect(body.error).toMatchObject({ type: 'invalid_request_error', code: c.code });
  expect(body.error.message).toMatch(c.message);
  expect(result.upstream).toBeUndefined();
  const started = result.stream.upstream.headers !== undefined;
  expect(started, 'request headers went upstream before the error').toBe(c.inBody === true && !holdsHeaders(mode));
}

describe.each(MODES)('errors the plugin answers (%s)', (mode) => {
  it.each(CASES)('answers $name with $status $code, then serves a good request', async (c) => {
    const host = await aiHost(mode, githubConfig({ maxRequestBodyBytes: LIMIT }));
    const before = fake.requests.length;
    const bad = await host.exchange(c.request, { upstream: fake.url });
    expectOpenAiError(bad, c, mode);
    expect(fake.requests.length).toBe(before);

    const good = await send(host, fake.url, { body: chatBody() });
    expect(good.status).toBe(200);
    expect(good.client.json()).toMatchObject({ choices: [{ message: { content: 'Echo: hello from the test' } }] });
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it('accepts a body of exactly the limit, sent in pieces', async () => {
    const host = await aiHost(mode, githubConfig({ maxRequestBodyBytes: LIMIT }));
    const body = padded(LIMIT);
    const result = await send(host, fake.url, { chunks: [body.slice(0, 100), body.slice(100, 700), body.slice(700)] });

    expect(body.length).toBe(LIMIT);
    expect(result.status).toBe(200);
    expect(fake.requests.at(-1)!.body).toBe(body);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('holds a body past Envoy\'s 32 KiB request buffer within a larger limit, and answers 413 itself just above it', async () => {
    const limit = 64 * 1024;
    const host = await aiHost(mode, githubConfig({ maxRequestBodyBytes: limit }));
    const pieces = (body: string) => Array.from({ length: Math.ceil(body.length / 8192) }, (_, i) => body.slice(i * 8192, (i + 1) * 8192));
    const within = await send(host, fake.url, { chunks: pieces(padded(limit)) });
    const over = await send(host, fake.url, { chunks: pieces(padded(limit + 1)) });

    expect(within.status).toBe(200);
    expect(fake.requests.at(-1)!.body).toBe(padded(limit));
    expect(over.status).toBe(413);
    expect(over.stream.localReply?.details).toBe('ai-proxy.request_too_large');
    expect((over.client.json() as { error: { message: string } }).error.message).toContain(`limit of ${limit} bytes`);
    expect((await send(host, fake.url, { body: chatBody() })).status).toBe(200);
    expectNoSecrets(host, [within, over], [TOKEN]);
  });

  it('keeps serving after every kind of error in a row on one VM', async () => {
    const host = await aiHost(mode, githubConfig({ maxRequestBodyBytes: LIMIT }));
    const results: ExchangeResult[] = [];
    for (const c of CASES) {
      const bad = await host.exchange(c.request, { upstream: fake.url });
      expectOpenAiError(bad, c, mode);
      results.push(bad);
    }
    const good = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream: true }) });
    expect(good.status).toBe(200);
    expect(good.client.text).toContain('data: [DONE]');
    expect(host.workers.every((w) => w.failure === undefined)).toBe(true);
    expectNoSecrets(host, [...results, good], [TOKEN]);
  });
});

describe('a hook of the AI proxy that throws', () => {
  it("is answered in OpenAI's shape through the SDK's onHookError, not the SDK's neutral default", () => {
    const reply = new AiProxyRoot().onHookError();
    expect(reply).toMatchObject({ status: 500, headers: [['content-type', 'application/json']], details: 'wasm_plugin_exception' });
    expect(JSON.parse(reply.body as string)).toEqual({
      error: { message: 'the gateway plugin failed while handling this request', type: 'plugin_error', code: 'plugin_exception' },
    });
  });
});
