/**
 * Multipart uploads (transcriptions, image edits and variations, files): byte for byte with the token
 * injected, `content-length` kept when nothing may change; with a `modelMapping` the `model` field is
 * mapped in place when it comes before any file part and within 64 KiB, however the body is chunked,
 * and left as sent otherwise; trailers while the start is held are refused rather than lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, filterState, send, type PluginMode } from '../test-support/ai-host.ts';
import { MULTIPART_TYPE, binaryFile, multipartBody, type TestPart } from '../test-support/multipart.ts';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

const MAPPED = { modelMapping: { 'my-transcribe': 'gpt-4o-transcribe', 'my-image': 'gpt-image-1' } };
const openai = (mode: PluginMode, extra: object = {}) => aiHost(mode, { provider: { type: 'openai', apiTokens: [TOKEN], ...extra } });
const audio = (model: string, size = 3000): TestPart[] => [{ name: 'model', value: model }, { name: 'file', value: binaryFile(size), filename: 'a.mp3', contentType: 'audio/mpeg' }];

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

async function upload(host: Host, path: string, body: Buffer, chunk = body.length, type = MULTIPART_TYPE) {
  const result = await send(host, fake.url, { path, chunks: pieces(new Uint8Array(body), chunk), headers: { 'content-type': type, 'content-length': String(body.length), authorization: 'Bearer sk-client' } });
  return { result, seen: fake.requests.at(-1)! };
}

const forwardedLength = (result: ExchangeResult) => result.stream.upstream.headers?.find(([name]) => name === 'content-length')?.[1];

const swapped = (body: Buffer, from: string, to: string) => Buffer.from(body.toString('latin1').replace(from, to), 'latin1');

describe.each(MODES)('multipart uploads (%s)', (mode) => {
  it('without a modelMapping: forwarded byte for byte in any chunking, content-length kept, token injected', async () => {
    const host = await openai(mode);
    const body = multipartBody([{ name: 'purpose', value: 'assistants' }, { name: 'file', value: binaryFile(70_000), filename: 'data.bin' }]);
    const { result, seen } = await upload(host, '/v1/files', body, 4096);
    expect(result.status).toBe(200);
    expect(result.client.json()).toMatchObject({ object: 'file', bytes: 70_000, filename: 'data.bin' });
    expect(seen.bytes.equals(body)).toBe(true);
    expect(forwardedLength(result)).toBe(String(body.length));
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const file = result.client.json() as { id: string };
    const content = await send(host, fake.url, { path: `/v1/files/${file.id}/content`, method: 'GET' });
    expect(Buffer.from(content.client.body).equals(Buffer.from(binaryFile(70_000)))).toBe(true);
  });

  it.each([1, 7, 64, 100_000])('the model field is mapped in place in chunks of %i bytes, every other byte kept', async (chunk) => {
    const host = await openai(mode, MAPPED);
    const body = multipartBody(audio('my-transcribe'));
    const { result, seen } = await upload(host, '/v1/audio/transcriptions', body, chunk);
    expect(result.status).toBe(200);
    expect(seen.bytes.equals(swapped(body, 'my-transcribe', 'gpt-4o-transcribe'))).toBe(true);
    expect(forwardedLength(result)).toBeUndefined();
    expect(filterState(result, 'ai_log')).toMatchObject({ request_model: 'my-transcribe', upstream_model: 'gpt-4o-transcribe' });
  });

  it('a model field after the file part, or past 64 KiB, is forwarded as sent (documented as not mapped)', async () => {
    const host = await openai(mode, MAPPED);
    const late = multipartBody([...audio('x').slice(1), { name: 'model', value: 'my-transcribe' }]);
    const lateSent = await upload(host, '/v1/audio/transcriptions', late, 1000);
    expect(lateSent.seen.bytes.equals(late)).toBe(true);
    expect(lateSent.result.status).toBe(404);
    const far = multipartBody([{ name: 'prompt', value: 'p'.repeat(70_000) }, ...audio('my-transcribe')]);
    const farSent = await upload(host, '/v1/audio/transcriptions', far, 16_384);
    expect(farSent.seen.bytes.equals(far)).toBe(true);
    expect(filterState(farSent.result, 'ai_log')).not.toHaveProperty('upstream_model');
  });

  it.each([
    ['/v1/audio/translations', audio('my-transcribe'), 'my-transcribe', 'gpt-4o-transcribe'],
    ['/v1/images/variations', [{ name: 'model', value: 'my-image' }, { name: 'image', value: binaryFile(300), filename: 'a.png' }], 'my-image', 'gpt-image-1'],
  ] as const)('%s: the model field mapped like transcriptions', async (path, parts, from, to) => {
    const host = await openai(mode, MAPPED);
    const body = multipartBody([...parts]);
    const { result, seen } = await upload(host, path, body, 50);
    expect(result.status).toBe(200);
    expect(seen.bytes.equals(swapped(body, from, to))).toBe(true);
  });

  it('image edits take multipart or JSON; a quoted boundary is read', async () => {
    const host = await openai(mode, MAPPED);
    const quoted = 'quoted boundary:1';
    const form = multipartBody([{ name: 'model', value: 'my-image' }, { name: 'prompt', value: 'add a hat' }, { name: 'image', value: binaryFile(500), filename: 'cat.png' }], quoted);
    const multipart = await upload(host, '/v1/images/edits', form, 100, `multipart/form-data; boundary="${quoted}"`);
    expect(multipart.result.status).toBe(200);
    expect(multipart.seen.bytes.equals(swapped(form, 'my-image', 'gpt-image-1'))).toBe(true);
    const json = await send(host, fake.url, { path: '/v1/images/edits', body: { model: 'my-image', prompt: 'add a hat', images: [{ image_url: 'https://example.com/cat.png' }] } });
    expect(JSON.parse(fake.requests.at(-1)!.body).model).toBe('gpt-image-1');
    expect(json.status).toBe(200);
  });

  it('the first-byte timeout stays off uploads on the Higress build, as on every request that does not stream', async () => {
    const host = await openai(mode, { ...MAPPED, firstByteTimeout: 5000 });
    const { result } = await upload(host, '/v1/audio/transcriptions', multipartBody(audio('my-transcribe')));
    const timeout = result.stream.upstream.headers?.find(([name]) => name === 'x-envoy-upstream-rq-first-byte-timeout-ms')?.[1];
    expect(timeout).toBe(mode === 'envoy' ? '5000' : undefined);
  });

  it('refuses what it cannot forward safely: no boundary, no body, trailers while the start is held', async () => {
    const host = await openai(mode, MAPPED);
    const before = fake.requests.length;
    const noBoundary = await send(host, fake.url, { path: '/v1/audio/transcriptions', body: 'x', headers: { 'content-type': 'multipart/form-data' } });
    expect(noBoundary.client.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const empty = await send(host, fake.url, { path: '/v1/audio/transcriptions', headers: { 'content-type': MULTIPART_TYPE } });
    expect(empty.client.json()).toMatchObject({ error: { code: 'missing_body' } });
    const start = multipartBody(audio('my-transcribe')).subarray(0, 20);
    const trailers = await host.exchange(
      { headers: { ':method': 'POST', ':path': '/v1/audio/transcriptions', ':authority': 'gw', 'content-type': MULTIPART_TYPE }, body: [new Uint8Array(start)], trailers: { 'x-checksum': '1' } },
      { upstream: fake.url },
    );
    expect(trailers.client.json()).toMatchObject({ error: { code: 'unsupported_trailers', message: 'request trailers are not supported: send the multipart form without trailers' } });
    expect(fake.requests.length - before).toBe(0);
  });
});
