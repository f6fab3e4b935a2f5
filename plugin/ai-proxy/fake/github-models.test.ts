import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BYTE_SPLIT_SIZES, startFakeGitHubModels, type FakeGitHubModels } from './github-models.ts';
import { DEFAULT_MODELS, embeddingVector } from './responses.ts';

const TOKEN = 'ghp_fake_token';
let fake: FakeGitHubModels;

beforeEach(async () => {
  fake = await startFakeGitHubModels();
});
afterEach(async () => {
  await fake.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(fake.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

const chatBody = (extra: object = {}) => ({
  model: 'openai/gpt-4.1',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello to the gateway' },
  ],
  ...extra,
});

interface RawResponse { status: number; headers: Record<string, string>; frames: Buffer[] }

/** One HTTP/1.1 request over a raw socket; the chunked body is returned frame by frame (one frame per server write). */
function rawPost(path: string, body: unknown): Promise<RawResponse> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const sock = net.connect(fake.port, '127.0.0.1');
    const data: Buffer[] = [];
    sock.on('data', (d) => data.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      const all = Buffer.concat(data);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const frames: Buffer[] = [];
      let off = split + 4;
      for (;;) {
        const eol = all.indexOf('\r\n', off);
        const size = parseInt(all.subarray(off, eol).toString('latin1'), 16);
        if (!(size > 0)) break;
        frames.push(all.subarray(eol + 2, eol + 2 + size));
        off = eol + 2 + size + 2;
      }
      resolve({ status: Number(head[0]!.split(' ')[1]), headers, frames });
    });
    sock.write(
      `POST ${path} HTTP/1.1\r\nHost: models.github.ai\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`,
    );
    sock.write(payload);
  });
}

/** Strict SSE split: events end with a blank line; returns each event's `data:` payload. */
function sseData(text: string): string[] {
  const norm = text.replaceAll('\r\n', '\n');
  expect(norm.endsWith('\n\n')).toBe(true);
  return norm
    .slice(0, -2)
    .split('\n\n')
    .map((ev) => {
      const lines = ev.split('\n');
      expect(lines.every((l) => l.startsWith('data: '))).toBe(true);
      return lines.map((l) => l.slice(6)).join('\n');
    });
}

type Chunk = { object: string; model: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: unknown };

function checkStream(data: string[], includeUsage: boolean) {
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  expect(chunks.length).toBeGreaterThan(3);
  expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'openai/gpt-4.1')).toBe(true);
  expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  expect(text).toBe('Echo: Say hello to the gateway');
  const last = chunks.at(-1)!;
  if (includeUsage) {
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  } else {
    expect(last.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
  }
}

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
    expect(fake.requests).toHaveLength(1);
    const rec = fake.requests[0]!;
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
    fake.setOptions({ orgs: ['acme'] });
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
    fake.setOptions({ tokens: ['t1', 't2'] });
    expect((await post('/inference/chat/completions', chatBody(), { authorization: 'Bearer t2' })).status).toBe(200);
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(401);
    expect((await fetch(`${fake.url}/catalog/models`)).status).toBe(401);
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
    fake.setOptions({ retired: true });
    const answers = [
      await post('/inference/chat/completions', chatBody()),
      await post('/orgs/fake-org/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'a' }),
      await post('/inference/embeddings', {}, { authorization: '' }),
      await fetch(`${fake.url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(410);
      const body = await res.json();
      expect(body.error.code).toBe('github_models_retirement_brownout');
      expect(typeof body.error.message).toBe('string');
    }
    expect((await post('/v1/chat/completions', chatBody())).status).toBe(404);
    fake.setOptions({ retired: false });
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(200);
  });

  it('429 with the rate-limit headers and body', async () => {
    fake.setOptions({ rateLimited: true });
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

    fake.setOptions({ rateLimited: { retryAfter: 11000, type: 'UserByModelByDay' } });
    res = await post('/inference/embeddings', { model: 'openai/text-embedding-3-small', input: 'a' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('11000');
    expect(res.headers.get('x-ratelimit-type')).toBe('UserByModelByDay');
    expect((await res.json()).error.message).toBe('Rate limit of 50 per 86400s exceeded for UserByModelByDay. Please wait 11000 seconds before retrying.');
    expect((await fetch(`${fake.url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('404 GitHub-style JSON for other paths and methods; every request is recorded', async () => {
    const a = await fetch(`${fake.url}/nope?x=1`);
    expect(a.status).toBe(404);
    expect(await a.json()).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    const b = await fetch(`${fake.url}/inference/chat/completions`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(b.status).toBe(404);
    expect((await post('/chat/completions', chatBody())).status).toBe(404);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
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
    const res = await fetch(`${fake.url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
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
    fake.setOptions({ models: ['deepseek/DeepSeek-R1'] });
    const custom = await (await fetch(`${fake.url}/catalog/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(custom).toMatchObject([{ id: 'deepseek/DeepSeek-R1', publisher: 'deepseek', name: 'DeepSeek-R1' }]);
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(404);
  });
});

describe('streaming', () => {
  for (const includeUsage of [false, true]) {
    it(`'event' mode writes one event per write (include_usage ${includeUsage})`, async () => {
      const res = await rawPost('/inference/chat/completions', chatBody({ stream: true, stream_options: { include_usage: includeUsage } }));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      expect(res.frames.length).toBeGreaterThan(4);
      for (const f of res.frames) expect(sseData(f.toString('utf8'))).toHaveLength(1);
      checkStream(sseData(Buffer.concat(res.frames).toString('utf8')), includeUsage);
    });
  }

  it('include_usage off when stream_options is absent; fetch can read the stream', async () => {
    const res = await post('/inference/chat/completions', chatBody({ stream: true }));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    checkStream(sseData(await res.text()), false);
  });

  it("'byte-split' cuts events across writes at odd sizes; the concatenation still parses", async () => {
    fake.setOptions({ sseChunking: 'byte-split' });
    const res = await rawPost('/inference/chat/completions', chatBody({ stream: true, stream_options: { include_usage: true } }));
    const text = Buffer.concat(res.frames).toString('utf8');
    checkStream(sseData(text), true);
    expect(res.frames.slice(0, BYTE_SPLIT_SIZES.length).map((f) => f.length)).toEqual(BYTE_SPLIT_SIZES);
    let offset = 0;
    const inside = res.frames.slice(0, -1).filter((f) => {
      offset += f.length;
      return !text.slice(0, offset).endsWith('\n\n');
    });
    expect(inside.length).toBeGreaterThan(res.frames.length / 2);
    // at least one write ends between the two newlines of an event terminator
    offset = 0;
    expect(res.frames.some((f) => ((offset += f.length), text.slice(0, offset).endsWith('}\n') && text[offset] === '\n'))).toBe(true);
  });

  it("'crlf' ends every line with CRLF", async () => {
    fake.setOptions({ sseChunking: 'crlf' });
    const res = await rawPost('/inference/chat/completions', chatBody({ stream: true, stream_options: { include_usage: true } }));
    const text = Buffer.concat(res.frames).toString('utf8');
    expect(text).toMatch(/^data: \{.*\}\r\n\r\n/);
    expect(/(?<!\r)\n/.test(text)).toBe(false);
    for (const f of res.frames) expect(sseData(f.toString('utf8'))).toHaveLength(1);
    checkStream(sseData(text), true);
  });
});

describe('delay and lifecycle', () => {
  it('delays answers by delayMs, so a shorter client timeout fires', async () => {
    fake.setOptions({ delayMs: 300 });
    const t0 = Date.now();
    expect((await post('/inference/chat/completions', chatBody())).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    await expect(post('/inference/chat/completions', chatBody(), {}, AbortSignal.timeout(50))).rejects.toThrow();
  });

  it('close() returns promptly with a request still waiting', async () => {
    fake.setOptions({ delayMs: 10_000 });
    const pending = post('/inference/chat/completions', chatBody()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await fake.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    fake = await startFakeGitHubModels({ tokens: ['other'] });
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
  });
});
