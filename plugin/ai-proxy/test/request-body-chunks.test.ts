/**
 * Request bodies as clients really send them: in many chunks (cut inside the model string and inside
 * multi-byte UTF-8 characters), and larger than Higress's default 32 KiB request buffer, up to
 * `maxRequestBodyBytes` — the upstream always receives the whole body, rewritten only where it must be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type RecordedRequest } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, githubConfig, send } from '../test-support/ai-host.ts';

const KIB = 1024;
const encoder = new TextEncoder();

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

/** Cuts `bytes` into pieces of the given sizes, repeated until the end. */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0, i = 0; off < bytes.length; i++) {
    out.push(bytes.subarray(off, off + sizes[i % sizes.length]!));
    off += sizes[i % sizes.length]!;
  }
  return out;
}

/** A chat body of exactly `size` bytes (UTF-8), padded with a mix of ASCII and multi-byte characters; the fake echoes 4 words. */
function bodyOfSize(size: number, model = 'openai/gpt-4.1', stream = false): string {
  const head = `{"model":"${model}",${stream ? '"stream":true,' : ''}"max_tokens":4,"messages":[{"role":"user","content":"`;
  const tail = '"}]}';
  const unit = 'lorem ipsum é ✓ 🚀 ';
  const room = size - encoder.encode(head + tail).length;
  const units = Math.floor(room / encoder.encode(unit).length);
  return head + unit.repeat(units) + '.'.repeat(room - units * encoder.encode(unit).length) + tail;
}

async function through(host: Host, body: string | Uint8Array[], extra: Record<string, string> = {}): Promise<{ result: ExchangeResult; seen?: RecordedRequest }> {
  const before = fake.requests.length;
  const result = await host.exchange({ headers: { ...CHAT_HEADERS, ...extra }, body }, { upstream: fake.url });
  return { result, seen: fake.requests[before] };
}

describe.each(MODES)('request bodies in chunks and over 32 KiB (%s)', (mode) => {
  it('a body cut inside the model string and inside UTF-8 characters is mapped and forwarded whole', async () => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { 'gpt-4o': 'openai/gpt-4.1' } }));
    const raw = '{"messages":[{"role":"user","content":"h\u00e9llo \u{1F600} \u2713 \\u00e9"}],"model":"gpt-4o","temperature":1.0}';
    const bytes = encoder.encode(raw);
    const expected = raw.replace('"gpt-4o"', '"openai/gpt-4.1"');
    const results: ExchangeResult[] = [];
    for (const sizes of [[1], [2, 3], [7, 1, 13], [bytes.length - 1, 1]]) {
      const { result, seen } = await through(host, cut(bytes, sizes));
      expect(result.status, String(sizes)).toBe(200);
      expect(seen!.body).toBe(expected);
      results.push(result);
    }
    expectNoSecrets(host, results, [TOKEN]);
  });

  it('a streaming body in chunks gains include_usage once', async () => {
    const host = await aiHost(mode, githubConfig());
    const raw = '{"model":"openai/gpt-4.1","stream":true,"messages":[{"role":"user","content":"\u00fcber"}]}';
    const { result, seen } = await through(host, cut(encoder.encode(raw), [3, 5]));
    expect(result.status).toBe(200);
    expect(seen!.body).toBe(raw.replace('"stream":true', '"stream":true,"stream_options":{"include_usage":true}'));
    expect(result.client.header('content-type')).toMatch(/^text\/event-stream/);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('an empty final chunk still completes the body', async () => {
    const host = await aiHost(mode, githubConfig());
    const raw = JSON.stringify(chatBody());
    const { result, seen } = await through(host, [...cut(encoder.encode(raw), [10]), new Uint8Array(0)]);
    expect(result.status).toBe(200);
    expect(seen!.body).toBe(raw);
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it.each([
    ['one piece', [Number.MAX_SAFE_INTEGER]],
    ['16 KiB chunks', [16 * KIB]],
    ['uneven chunks', [1000, 33 * KIB, 7]],
  ])('a 100 KiB body in %s passes the 32 KiB default buffer', async (_name, sizes) => {
    const host = await aiHost(mode, githubConfig({ modelMapping: { big: 'openai/gpt-4.1' } }));
    const raw = bodyOfSize(100 * KIB, 'big');
    expect(encoder.encode(raw).length).toBe(100 * KIB);
    const { result, seen } = await through(host, cut(encoder.encode(raw), sizes));
    expect(result.status).toBe(200);
    expect(seen!.body).toBe(raw.replace('"big"', '"openai/gpt-4.1"'));
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('a 1 MiB streaming body is forwarded with include_usage and answered as SSE', async () => {
    const host = await aiHost(mode, githubConfig());
    const raw = bodyOfSize(KIB * KIB, 'openai/gpt-4.1', true);
    const { result, seen } = await through(host, cut(encoder.encode(raw), [64 * KIB]));
    expect(result.status).toBe(200);
    expect(seen!.body).toBe(raw.replace('"stream":true', '"stream":true,"stream_options":{"include_usage":true}'));
    expect(result.client.text).toContain('data: [DONE]');
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('maxRequestBodyBytes: a body of exactly the limit is served, one byte more is 413, and the VM keeps serving', async () => {
    const limit = 48 * KIB;
    const host = await aiHost(mode, githubConfig({ maxRequestBodyBytes: limit }));
    const atLimit = bodyOfSize(limit);
    const ok = await through(host, cut(encoder.encode(atLimit), [8 * KIB]));
    expect(ok.result.status).toBe(200);
    expect(ok.seen!.body).toBe(atLimit);
    const over = await through(host, cut(encoder.encode(bodyOfSize(limit + 1)), [8 * KIB]));
    expect(over.seen).toBeUndefined();
    expect(over.result.status).toBe(413);
    expect((over.result.client.json() as { error: { code: string; type: string } }).error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' });
    const declared = await through(host, bodyOfSize(limit + 1), { 'content-length': String(limit + 1) });
    expect(declared.seen).toBeUndefined();
    expect(declared.result.status).toBe(413);
    const good = await send(host, fake.url, { body: chatBody() });
    expect(good.status).toBe(200);
    expectNoSecrets(host, [ok.result, over.result, declared.result, good], [TOKEN]);
  });
});
