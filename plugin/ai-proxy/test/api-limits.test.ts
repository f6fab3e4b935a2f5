/**
 * Rate limits on the APIs beyond chat: a Responses request reserves its `max_output_tokens` (a
 * reservation beyond the limit is refused for good) and is corrected by its usage; uploads, reads and
 * passed-through paths count against request limits, decided at the request headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, filterState, send } from '../test-support/ai-host.ts';
import { MULTIPART_TYPE, binaryFile, multipartBody } from '../test-support/multipart.ts';

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(() => fake.close());

const limited = (rateLimits: object[]) => ({ provider: { type: 'openai', apiTokens: [TOKEN] }, rateLimits });

describe.each(MODES)('rate limits on the other APIs (%s)', (mode) => {
  it('responses: max_output_tokens is reserved, then corrected by the usage', async () => {
    const host = await aiHost(mode, limited([{ name: 'tpm', counts: 'tokens', window: 'minute', limit: 1000 }]));
    const never = await send(host, fake.url, { path: '/v1/responses', body: { model: 'gpt-4.1', input: 'x', max_output_tokens: 5000 } });
    expect(never.status).toBe(429);
    expect(never.client.json()).toMatchObject({ error: { code: 'tpm' } });
    const body = { model: 'gpt-4.1', input: 'one two', max_output_tokens: 400 };
    const ok = await send(host, fake.url, { path: '/v1/responses', body });
    expect(ok.status).toBe(200);
    expect(filterState(ok, 'ai_log')).toMatchObject({ total_token: 5, ratelimit_remaining: { tpm: 1000 - Math.ceil(JSON.stringify(body).length / 4) - 400 } });
    const small = { model: 'gpt-4.1', input: 'a', max_output_tokens: 1 };
    const next = await send(host, fake.url, { path: '/v1/responses', body: small });
    expect(filterState(next, 'ai_log')).toMatchObject({ ratelimit_remaining: { tpm: 1000 - 5 - Math.ceil(JSON.stringify(small).length / 4) - 1 } });
  });

  it('uploads, reads and passed-through paths count against a request limit', async () => {
    const host = await aiHost(mode, limited([{ name: 'rpm', counts: 'requests', window: 'minute', limit: 3 }]));
    const form = multipartBody([{ name: 'model', value: 'whisper-1' }, { name: 'file', value: binaryFile(100), filename: 'a.mp3' }]);
    const statuses = [
      (await send(host, fake.url, { path: '/v1/audio/transcriptions', body: new Uint8Array(form), headers: { 'content-type': MULTIPART_TYPE } })).status,
      (await send(host, fake.url, { path: '/v1/files', method: 'GET' })).status,
      (await send(host, fake.url, { path: '/v1/fine_tuning/jobs', method: 'GET' })).status,
      (await send(host, fake.url, { path: '/v1/models/gpt-4.1', method: 'GET' })).status,
    ];
    expect(statuses).toEqual([200, 200, 404, 429]);
  });
});
