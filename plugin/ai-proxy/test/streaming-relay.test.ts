/**
 * SSE relay: whatever framing the upstream uses (one write per event, writes cutting across events and
 * lines, CRLF line endings), the client receives exactly the upstream's bytes in exactly the upstream's
 * writes, each forwarded by its own `on_response_body` call that returns Continue, and usage is still
 * extracted. The expected writes are rebuilt from the fake's deterministic answer for the request it
 * recorded (its id and `created` read back from the first event).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult } from '../../../harness/src/index.ts';
import { BYTE_SPLIT_SIZES, startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { chatChunks, sseEvents, type ChatRequest } from '../fake/responses.ts';
import { MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

type Chunking = 'event' | 'byte-split' | 'crlf';
const CHUNKINGS: Chunking[] = ['event', 'byte-split', 'crlf'];

let fake: FakeGitHubModels;
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(async () => {
  await fake.close();
});

/** The writes the fake made for its last request, as it makes them (see `writeSse` in the fake). */
function expectedWrites(result: ExchangeResult, chunking: Chunking): Buffer[] {
  const request = JSON.parse(fake.requests.at(-1)!.body) as ChatRequest;
  const first = JSON.parse(/^data: (.*)$/m.exec(result.client.text)![1]!) as { id: string; created: number };
  const events = sseEvents(chatChunks(request, first.id, first.created), chunking === 'crlf' ? '\r\n' : '\n').map((e) => Buffer.from(e));
  if (chunking !== 'byte-split') return events;
  const all = Buffer.concat(events);
  const writes: Buffer[] = [];
  for (let off = 0, i = 0; off < all.length; i++) {
    const size = BYTE_SPLIT_SIZES[i % BYTE_SPLIT_SIZES.length]!;
    writes.push(all.subarray(off, off + size));
    off += size;
  }
  return writes;
}

function bodyCalls(result: ExchangeResult) {
  return result.stream.trace.filter((t) => t.callback === 'proxy_on_response_body');
}

describe.each(MODES)('SSE relay (%s)', (mode) => {
  it.each(CHUNKINGS)('relays %s-framed SSE byte for byte, one client chunk per upstream write, without holding any', async (chunking) => {
    fake.setOptions({ sseChunking: chunking });
    const host = await aiHost(mode, githubConfig());
    const result = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream: true }) });

    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toBe('text/event-stream');
    expect(result.client.ended).toBe(true);
    expect(result.client.reset).toBeUndefined();
    const writes = expectedWrites(result, chunking);
    expect(Buffer.from(result.client.body).equals(Buffer.concat(writes))).toBe(true);
    expect(result.client.chunks.length).toBe(writes.length);
    result.client.chunks.forEach((chunk, i) => expect(Buffer.from(chunk).toString('latin1'), `write ${i}`).toBe(writes[i]!.toString('latin1')));

    const calls = bodyCalls(result);
    expect(calls.map((c) => c.result)).toEqual(calls.map(() => 0));
    const withData = calls.filter((c) => c.args[1] !== 0);
    expect(withData.map((c) => c.args[1])).toEqual(writes.map((w) => w.length));
    expect(calls.at(-1)!.args[2]).toBe(1);

    expect(result.client.text).toContain('"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}');
    expect(result.client.text.endsWith(chunking === 'crlf' ? 'data: [DONE]\r\n\r\n' : 'data: [DONE]\n\n')).toBe(true);
    expect(filterState(result, 'ai_log')).toMatchObject({ stream: true, model: 'openai/gpt-4.1', input_token: 4, output_token: 5, total_token: 9 });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('relays a stream the client asked without usage unchanged and still ends it', async () => {
    fake.setOptions({ sseChunking: 'byte-split' });
    const host = await aiHost(mode, githubConfig());
    const result = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream: true, stream_options: { include_usage: false } }) });

    expect(result.status).toBe(200);
    const writes = expectedWrites(result, 'byte-split');
    expect(Buffer.from(result.client.body).equals(Buffer.concat(writes))).toBe(true);
    expect(result.client.chunks.length).toBe(writes.length);
    expect(result.client.text).not.toContain('"usage"');
    expect(bodyCalls(result).every((c) => c.result === 0)).toBe(true);
    expect(JSON.parse(fake.requests.at(-1)!.body).stream_options).toEqual({ include_usage: false });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('relays an upstream stream of many events with multi-byte characters cut inside them', async () => {
    fake.setOptions({ sseChunking: 'byte-split' });
    const host = await aiHost(mode, githubConfig());
    const content = Array.from({ length: 40 }, (_, i) => `wörd${i}→✓😀`).join(' ');
    const result = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream: true, messages: [{ role: 'user', content }] }) });

    expect(result.status).toBe(200);
    const writes = expectedWrites(result, 'byte-split');
    expect(Buffer.from(result.client.body).equals(Buffer.concat(writes))).toBe(true);
    expect(result.client.chunks.length).toBe(writes.length);
    expect(filterState(result, 'ai_log')).toMatchObject({ input_token: 40, output_token: 41, total_token: 81 });
    expectNoSecrets(host, [result], [TOKEN]);
  });
});
