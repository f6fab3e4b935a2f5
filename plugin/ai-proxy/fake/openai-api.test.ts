/**
 * The fake's OpenAI `/v1` API on its own, as the official `openai` client sees it: objects it creates
 * can be read back, and its refusals carry OpenAI's status codes and `{"error":{message,type,param,code}}`.
 */
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { TOKEN, useFake } from './fake-client.ts';

const fake = useFake();
const client = () => new OpenAI({ baseURL: `${fake().url}/v1`, apiKey: TOKEN, maxRetries: 0 });

async function refusal(promise: Promise<unknown>): Promise<{ status: number; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { status: error.status!, error: error.error };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('fake OpenAI API', () => {
  it('keeps what it creates: responses, files (with their bytes), batches', async () => {
    const c = client();
    const response = await c.responses.create({ model: 'gpt-4.1', input: 'remember this' });
    expect((await c.responses.inputItems.list(response.id)).data[0]).toMatchObject({ content: [{ type: 'input_text', text: 'remember this' }] });
    await c.responses.delete(response.id);
    expect((await refusal(c.responses.retrieve(response.id))).status).toBe(404);
    const bytes = Buffer.from([0, 255, 1, 254, 13, 10]);
    const file = await c.files.create({ file: await toFile(bytes, 'input.jsonl'), purpose: 'batch' });
    expect(Buffer.from(await (await c.files.content(file.id)).arrayBuffer()).equals(bytes)).toBe(true);
    const batch = await c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect((await c.batches.retrieve(batch.id)).status).toBe('validating');
    expect((await c.batches.cancel(batch.id)).status).toBe('cancelling');
    expect((await c.moderations.create({ input: 'violence ahead' })).results[0]!.flagged).toBe(true);
  });

  it('refuses as OpenAI does: key, model, missing parameter, media type, route, method', async () => {
    const c = client();
    expect(await refusal(new OpenAI({ baseURL: `${fake().url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 }).models.list())).toMatchObject({ status: 401, error: { code: 'invalid_api_key', type: 'invalid_request_error' } });
    expect(await refusal(c.responses.create({ model: 'gpt-9', input: 'x' }))).toMatchObject({ status: 404, error: { code: 'model_not_found' } });
    expect(await refusal(c.audio.speech.create({ model: 'gpt-4o-mini-tts', input: '', voice: 'alloy' }))).toMatchObject({ status: 400, error: { code: 'missing_required_parameter', param: 'input' } });
    const post = (path: string, init: RequestInit) => fetch(`${fake().url}${path}`, { method: 'POST', ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });
    expect((await post('/v1/audio/transcriptions', { body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(415);
    expect((await post('/v1/videos', { body: '{}' })).status).toBe(404);
    expect((await fetch(`${fake().url}/v1/responses`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });
});
