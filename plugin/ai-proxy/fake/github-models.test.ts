/** The fake GitHub Models server: chat, errors in GitHub's shapes, embeddings, catalog, delays. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, embeddingVector } from './responses.ts';
import { TOKEN, chatBody, post, useFake } from './fake-client.ts';

const fakeServer = useFake();

describe('chat completions', () => {
  it('answers a deterministic chat.completion and records the request', async () => {
    const res = await post('/inference/chat/completions?api-version=2024-12-01', chatBody(), { 'x-github-api-version': '2022-11-28' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'openai/gpt-4.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: Say hello to the gateway' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(5);
    expect(fakeServer().requests).toHaveLength(1);
    const rec = fakeServer().requests[0]!;
    expect(rec.method).toBe('POST');
    expect(rec.path).toBe('/inference/chat/completions?api-version=2024-12-01');
    expect(rec.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(rec.headers['x-github-api-version']).toBe('2022-11-28');
    expect(JSON.parse(rec.body)).toEqual(chatBody());
  });

  it('handles array content and cuts the answer at max_tokens', async () => {
    const res = await post('/inference/chat/completions', {
      model: 'microsoft/Phi-4',
      max_tokens: 2,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'one two' }, { type: 'text', text: 'three' }] }],
    });
    const body = await res.json();
    expect(body.model).toBe('microsoft/Phi-4');
    expect(body.choices[0]).toMatchObject({ message: { content: 'Echo: one' }, finish_reason: 'length' });
    expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('serves the org route for configured orgs (case-insensitive) and 404s others', async () => {
    expect((await post('/orgs/fake-org/inference/chat/completions', chatBody())).status).toBe(200);
    expect((await post('/orgs/Fake-Org/inference/chat/completions', chatBody())).status).toBe(200);
    const res = await post('/orgs/other/inference/chat/completions', chatBody());
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
    fakeServer().setOptions({ orgs: ['acme'] });
    expect((await post('/orgs/acme/inference/chat/completions', chatBody())).status).toBe(200);
    expect((await post('/orgs/fake-org/inference/chat/completions', chatBody())).status).toBe(404);
  });
});

describe('errors', () => {
  it('401 for a missing, unknown or non-Bearer token', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer ghp_wrong' }, { authorization: TOKEN }]) {
      const res = await post('/inference/chat/completions', chatBody(), headers);
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body.error.code).toBe('unauthorized');
      expect(typeof body.error.message).toBe('string');
      expect(body.error).toHaveProperty('details');
    }
    expect((await post('/inference/chat/completions', chatBody(), { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    fakeServer().setOptions({ tokens: ['t1', 't2'] });
    expect((await post('/inference/chat/completions', chatBody(), { authorization: 'Bearer t2' })).status).toBe(200);
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(401);
    expect((await fetch(`${fakeServer().url}/catalog/models`)).status).toBe(401);
  });

  it('415 without a JSON content type, 400 for bad JSON, 422 for missing fields', async () => {
    let res = await post('/inference/chat/completions', chatBody(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe('unsupported_media_type');
    expect((await post('/inference/chat/completions', chatBody(), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    res = await post('/inference/chat/completions', '{"model":');
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ code: 'bad_request', message: 'Problems parsing JSON' });
    expect((await post('/inference/chat/completions', '[1]')).status).toBe(400);
    for (const bad of [{ messages: [{ role: 'user', content: 'x' }] }, { model: 'openai/gpt-4.1' }, { model: 'openai/gpt-4.1', messages: [] },
      { model: 'openai/gpt-4.1', messages: [{ role: 'robot', content: 'x' }] }]) {
      res = await post('/inference/chat/completions', bad);
      expect(res.status).toBe(422);
      expect((await res.json()).error.code).toBe('invalid_request_body');
    }
  });

  it('404 unknown_model', async () => {
    const res = await post('/inference/chat/completions', chatBody({ model: 'gpt-4.1' }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'unknown_model', message: 'Unknown model: gpt-4.1' } });
    const emb = await post('/inference/embeddings', { model: 'x/y', input: 'a' });
    expect(emb.status).toBe(404);
  });

  it('410 retirement on every Models route, before auth; other paths stay 404', async () => {
    fakeServer().setOptions({ retired: true });
    const answers = [
      await post('/inference/chat/completions', chatBody()),
      await post('/orgs/fake-org/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'a' }),
      await post('/inference/embeddings', {}, { authorization: '' }),
      await fetch(`${fakeServer().url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(410);
      const body = await res.json();
      expect(body.error.code).toBe('github_models_retirement_brownout');
      expect(typeof body.error.message).toBe('string');
    }
    expect((await post('/v1/chat/completions', chatBody())).status).toBe(404);
    fakeServer().setOptions({ retired: false });
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(200);
  });

  it('429 with the rate-limit headers and body', async () => {
    fakeServer().setOptions({ rateLimited: true });
    let res = await post('/inference/chat/completions', chatBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('46');
    expect(res.headers.get('x-ratelimit-type')).toBe('UserByModelByMinute');
    expect(res.headers.get('x-ratelimit-timeremaining')).toBe('46');
    expect(res.headers.get('x-ms-error-code')).toBe('RateLimitReached');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(res.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    const body = await res.json();
    expect(body.error.code).toBe('RateLimitReached');
    expect(body.error.message).toBe('Rate limit of 10 per 60s exceeded for UserByModelByMinute. Please wait 46 seconds before retrying.');
    expect(typeof body.error.details).toBe('string');

    fakeServer().setOptions({ rateLimited: { retryAfter: 11000, type: 'UserByModelByDay' } });
    res = await post('/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'a' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('11000');
    expect(res.headers.get('x-ratelimit-type')).toBe('UserByModelByDay');
    expect((await res.json()).error.message).toBe('Rate limit of 50 per 86400s exceeded for UserByModelByDay. Please wait 11000 seconds before retrying.');
    expect((await fetch(`${fakeServer().url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('404 GitHub-style JSON for other paths and methods; every request is recorded', async () => {
    const a = await fetch(`${fakeServer().url}/nope?x=1`);
    expect(a.status).toBe(404);
    expect(await a.json()).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    const b = await fetch(`${fakeServer().url}/inference/chat/completions`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(b.status).toBe(404);
    expect((await post('/chat/completions', chatBody())).status).toBe(404);
    expect(fakeServer().requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /nope?x=1',
      'GET /inference/chat/completions',
      'POST /chat/completions',
    ]);
  });
});

describe('embeddings and catalog', () => {
  it('returns deterministic unit vectors, base64 on request, and usage', async () => {
    const res = await post('/inference/embeddings', { model: 'openai/text-embedding-3-small', input: ['hello world', 'bye'] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ object: 'list', model: 'openai/text-embedding-3-small', usage: { prompt_tokens: 3, total_tokens: 3 } });
    expect(body.data.map((d: { index: number; object: string }) => [d.object, d.index])).toEqual([['embedding', 0], ['embedding', 1]]);
    const [v0, v1] = body.data.map((d: { embedding: number[] }) => d.embedding);
    expect(v0).toHaveLength(8);
    expect(Math.hypot(...v0)).toBeCloseTo(1, 4);
    expect(v0).not.toEqual(v1);
    const again = await (await post('/orgs/fake-org/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'hello world' })).json();
    expect(again.data[0].embedding).toEqual(v0);
    const b64 = await (await post('/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'hello world', encoding_format: 'base64', dimensions: 4 })).json();
    const floats = Array.from(new Float32Array(new Uint8Array(Buffer.from(b64.data[0].embedding, 'base64')).buffer));
    expect(floats).toHaveLength(4);
    floats.forEach((f, i) => expect(f).toBeCloseTo(embeddingVector('hello world', 4)[i]!, 6));
    expect((await post('/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 3 })).status).toBe(422);
    expect((await post('/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'a', dimensions: 0 })).status).toBe(422);
  });

  it('lists catalog items with every documented field', async () => {
    const res = await fetch(`${fakeServer().url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const items = (await res.json()) as Record<string, unknown>[];
    expect(items.map((i) => i.id)).toEqual(DEFAULT_MODELS);
    const fields = ['id', 'name', 'publisher', 'registry', 'summary', 'html_url', 'version', 'capabilities', 'limits', 'rate_limit_tier',
      'supported_input_modalities', 'supported_output_modalities', 'tags'];
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual([...fields].sort());
      expect(Object.keys(item.limits as object).sort()).toEqual(['max_input_tokens', 'max_output_tokens']);
    }
    expect(items.find((i) => i.id === 'openai/text-embedding-3-small')).toMatchObject({ rate_limit_tier: 'embeddings', supported_output_modalities: ['embeddings'] });
    fakeServer().setOptions({ models: ['deepseek/DeepSeek-R1'] });
    const custom = await (await fetch(`${fakeServer().url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(custom).toMatchObject([{ id: 'deepseek/DeepSeek-R1', publisher: 'deepseek', name: 'DeepSeek-R1' }]);
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(404);
  });
});

describe('delay and lifecycle', () => {
  it('delays answers by delayMs, so a shorter client timeout fires', async () => {
    fakeServer().setOptions({ delayMs: 300 });
    const t0 = Date.now();
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    await expect(post('/inference/chat/completions', chatBody(), {}, AbortSignal.timeout(50))).rejects.toThrow();
  });

  it('close() returns promptly with a request still waiting', async () => {
    fakeServer().setOptions({ delayMs: 10_000 });
    const pending = post('/inference/chat/completions', chatBody()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await fakeServer().close();
    expect(fakeServer().requests).toHaveLength(1);
    expect(await pending).toBeInstanceOf(Error);
  });
});
