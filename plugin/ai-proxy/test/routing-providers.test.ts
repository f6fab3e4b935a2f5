/**
 * The openai, azure-ai-foundry and openai-compatible providers against a small recording upstream: the
 * host, path (with query) and authentication each one sends, the client's credentials dropped, and the
 * proxy's own 404 for an API a provider does not have.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { MODES, aiHost, chatBody, expectNoSecrets, send } from '../test-support/ai-host.ts';

const TOKENS = ['sk-openai-fake-1', 'foundry-key-fake-1', 'compat-key-fake-1'];
const EMBEDDING = { model: 'text-embedding-3-small', input: ['a', 'b'] };
const FOUNDRY_DOMAIN = 'my-resource.services.ai.azure.com';

interface Recorded { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }

const recorded: Recorded[] = [];
let server: http.Server;
let url: string;

/** Records every request and answers with a small OpenAI-shaped JSON for the API its path names. */
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      recorded.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      const answer = path.includes('/embeddings')
        ? { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5] }], model: 'm', usage: { prompt_tokens: 2, total_tokens: 2 } }
        : path.includes('/models') && !path.includes('/chat/')
          ? { object: 'list', data: [{ id: 'gpt-4.1', object: 'model', created: 0, owned_by: 'openai' }] }
          : { id: 'chatcmpl-rec', object: 'chat.completion', created: 0, model: 'gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function through(host: Host, options: Parameters<typeof send>[2]): Promise<{ result: ExchangeResult; seen?: Recorded }> {
  const before = recorded.length;
  const result = await send(host, url, options);
  expect(recorded.length - before).toBeLessThanOrEqual(1);
  return { result, seen: recorded[before] };
}

const CLIENT_CREDENTIALS = { authorization: 'Bearer sk-client-own', 'api-key': 'client-own-key', 'x-api-key': 'client-own-x-key', 'accept-encoding': 'gzip' };

function expectNoClientCredentials(seen: Recorded): void {
  expect(seen.headers['accept-encoding']).toBeUndefined();
  expect(seen.headers['x-api-key']).toBeUndefined();
  expect(JSON.stringify(seen.headers)).not.toContain('client-own');
}

describe.each(MODES)('provider routing (%s)', (mode) => {
  it('openai: api.openai.com, /v1 paths unchanged, Authorization: Bearer', async () => {
    const host = await aiHost(mode, { provider: { type: 'openai', apiTokens: [`Bearer ${TOKENS[0]}`] } });
    const chat = await through(host, { body: chatBody('gpt-4.1'), headers: CLIENT_CREDENTIALS });
    const emb = await through(host, { path: '/v1/embeddings?user=7', body: EMBEDDING });
    const models = await through(host, { method: 'GET', path: '/ai/v1/models' });
    for (const [r, path, method] of [[chat, '/v1/chat/completions', 'POST'], [emb, '/v1/embeddings?user=7', 'POST'], [models, '/v1/models', 'GET']] as const) {
      expect(r.result.status, path).toBe(200);
      expect(r.seen).toMatchObject({ method, path });
      expect(r.seen!.headers.host).toBe('api.openai.com');
      expect(r.seen!.headers.authorization).toBe(`Bearer ${TOKENS[0]}`);
      expect(r.seen!.headers['x-github-api-version']).toBeUndefined();
      expectNoClientCredentials(r.seen!);
    }
    expect((models.result.client.json() as { data: Array<{ id: string }> }).data[0]!.id).toBe('gpt-4.1');
    expectNoSecrets(host, [chat.result, emb.result, models.result], TOKENS);
  });

  it('azure-ai-foundry: providerDomain, /models/… with api-version, api-key header and no Authorization', async () => {
    const host = await aiHost(mode, { provider: { type: 'azure-ai-foundry', providerDomain: FOUNDRY_DOMAIN, apiTokens: [TOKENS[1]] } });
    const chat = await through(host, { body: chatBody('gpt-4.1'), headers: CLIENT_CREDENTIALS });
    const emb = await through(host, { path: '/v1/embeddings', body: EMBEDDING, headers: CLIENT_CREDENTIALS });
    expect(chat.result.status).toBe(200);
    expect(chat.seen).toMatchObject({ method: 'POST', path: '/models/chat/completions?api-version=2024-05-01-preview' });
    expect(emb.result.status).toBe(200);
    expect(emb.seen).toMatchObject({ method: 'POST', path: '/models/embeddings?api-version=2024-05-01-preview' });
    for (const r of [chat, emb]) {
      expect(r.seen!.headers.host).toBe(FOUNDRY_DOMAIN);
      expect(r.seen!.headers['api-key']).toBe(TOKENS[1]);
      expect(r.seen!.headers.authorization).toBeUndefined();
      expect(r.result.upstream!.headers.filter(([k]) => k === 'api-key')).toHaveLength(1);
      expectNoClientCredentials(r.seen!);
    }
    expectNoSecrets(host, [chat.result, emb.result], TOKENS);
  });

  it('azure-ai-foundry: the configured apiVersion', async () => {
    const host = await aiHost(mode, { provider: { type: 'azure-ai-foundry', providerDomain: FOUNDRY_DOMAIN, apiTokens: [TOKENS[1]], apiVersion: '2025-01-01' } });
    const { result, seen } = await through(host, { path: '/openai/v1/chat/completions', body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect(seen!.path).toBe('/models/chat/completions?api-version=2025-01-01');
    expectNoSecrets(host, [result], TOKENS);
  });

  it('azure-ai-foundry: /v1/models is unsupported → 404 naming the supported paths, then keeps serving', async () => {
    const host = await aiHost(mode, { provider: { type: 'azure-ai-foundry', providerDomain: FOUNDRY_DOMAIN, apiTokens: [TOKENS[1]] } });
    const bad = await through(host, { method: 'GET', path: '/v1/models' });
    expect(bad.seen).toBeUndefined();
    expect(bad.result.status).toBe(404);
    expect(bad.result.client.header('content-type')).toMatch(/^application\/json/);
    const error = (bad.result.client.json() as { error: { message: string; type: string; code: string } }).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_api' });
    expect(error.message).toContain('/v1/models');
    expect(error.message).toContain('/v1/chat/completions');
    expect(error.message).toContain('/v1/embeddings');
    expect(error.message).not.toMatch(/supported: .*\/v1\/models/);
    const good = await through(host, { body: chatBody('gpt-4.1') });
    expect(good.result.status).toBe(200);
    expect(good.seen!.path).toBe('/models/chat/completions?api-version=2024-05-01-preview');
    expectNoSecrets(host, [bad.result, good.result], TOKENS);
  });

  it('openai-compatible: providerDomain with port and the default base path /v1', async () => {
    const host = await aiHost(mode, { provider: { type: 'openai-compatible', providerDomain: 'llm.internal:8443', apiTokens: [TOKENS[2]] } });
    const chat = await through(host, { body: chatBody('llama-3'), headers: CLIENT_CREDENTIALS });
    const emb = await through(host, { path: '/v1/embeddings', body: EMBEDDING });
    const models = await through(host, { method: 'GET', path: '/v1/models' });
    for (const [r, path] of [[chat, '/v1/chat/completions'], [emb, '/v1/embeddings'], [models, '/v1/models']] as const) {
      expect(r.result.status, path).toBe(200);
      expect(r.seen!.path).toBe(path);
      expect(r.seen!.headers.host).toBe('llm.internal:8443');
      expect(r.seen!.headers.authorization).toBe(`Bearer ${TOKENS[2]}`);
      expectNoClientCredentials(r.seen!);
    }
    expectNoSecrets(host, [chat.result, emb.result, models.result], TOKENS);
  });

  it.each([
    ['/api/openai', '/api/openai/v1/chat/completions'],
    ['/api/openai/', '/api/openai/v1/chat/completions'],
    ['/', '/v1/chat/completions'],
    ['', '/v1/chat/completions'],
  ])('openai-compatible: providerBasePath %j is prepended to the provider path, as in Higress', async (base, expected) => {
    const host = await aiHost(mode, { provider: { type: 'openai-compatible', providerDomain: 'llm.internal', providerBasePath: base, apiTokens: [TOKENS[2]] } });
    const { result, seen } = await through(host, { path: '/v1/chat/completions?x=y', body: chatBody('llama-3') });
    expect(result.status).toBe(200);
    expect(seen!.path).toBe(`${expected}?x=y`);
    expect(seen!.headers.host).toBe('llm.internal');
    expectNoSecrets(host, [result], TOKENS);
  });

  it.each([
    ['openai with providerDomain (Higress\'s own test case)', { type: 'openai', providerDomain: 'proxy.example.com', providerBasePath: '/api/ai' }, 'proxy.example.com', '/api/ai/v1/chat/completions'],
    ['github', { type: 'github', providerBasePath: '/gateway' }, 'models.github.ai', '/gateway/inference/chat/completions'],
    ['github with providerDomain', { type: 'github', providerDomain: 'models.ghe.local' }, 'models.ghe.local', '/inference/chat/completions'],
    ['azure-ai-foundry', { type: 'azure-ai-foundry', providerDomain: FOUNDRY_DOMAIN, providerBasePath: '/east' }, FOUNDRY_DOMAIN, '/east/models/chat/completions?api-version=2024-05-01-preview'],
    ['a capability path', { type: 'openai-compatible', providerDomain: 'llm.internal', capabilities: { 'openai/v1/chatcompletions': '/api/chat' } }, 'llm.internal', '/api/chat'],
    ['a capability path under providerBasePath', { type: 'openai', providerBasePath: '/p', capabilities: { 'openai/v1/chatcompletions': '/p/x/chat' } }, 'api.openai.com', '/p/x/chat'],
    ['a capability path outside providerBasePath', { type: 'openai', providerBasePath: '/p', capabilities: { 'openai/v1/chatcompletions': '/px/chat' } }, 'api.openai.com', '/p/px/chat'],
  ])('%s: host and path as Higress builds them', async (_name, extra, host, path) => {
    const proxy = await aiHost(mode, { provider: { apiTokens: [TOKENS[0]], ...extra } });
    const { result, seen } = await through(proxy, { body: chatBody('gpt-4.1') });
    expect(result.status).toBe(200);
    expect([seen!.headers.host, seen!.path]).toEqual([host, path]);
    expectNoSecrets(proxy, [result], TOKENS);
  });

  it('protocol original: the client path under providerBasePath, once', async () => {
    const host = await aiHost(mode, { provider: { type: 'openai-compatible', providerDomain: 'llm.internal', providerBasePath: '/api', protocol: 'original', apiTokens: [TOKENS[2]] } });
    const first = await through(host, { path: '/v1/chat/completions', body: chatBody('llama-3') });
    const again = await through(host, { path: '/api/v1/chat/completions', body: chatBody('llama-3') });
    expect([first.seen!.path, again.seen!.path]).toEqual(['/api/v1/chat/completions', '/api/v1/chat/completions']);
    expectNoSecrets(host, [first.result, again.result], TOKENS);
  });

  it('an unknown path is answered 404 by the proxy under unknownApiPolicy reject, and the next request is served', async () => {
    const host = await aiHost(mode, { provider: { type: 'openai', apiTokens: [TOKENS[0]], unknownApiPolicy: 'reject' } });
    const bad = await through(host, { path: '/v1/fine_tuning/jobs', body: { model: 'gpt-4.1', training_file: 'file-1' } });
    expect(bad.seen).toBeUndefined();
    expect(bad.result.status).toBe(404);
    expect((bad.result.client.json() as { error: { code: string } }).error.code).toBe('unsupported_api');
    const good = await through(host, { body: chatBody('gpt-4.1') });
    expect(good.result.status).toBe(200);
    expectNoSecrets(host, [bad.result, good.result], TOKENS);
  });
});
