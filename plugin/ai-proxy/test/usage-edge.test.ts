/**
 * Usage extraction from answers shaped unlike the fake's: JSON cut inside multi-byte characters, SSE
 * with comments, `event:` lines, CR-only line endings and running totals in every chunk, and bodies
 * that are not what they claim. The client always gets the upstream's bytes unchanged, in its chunks.
 */
import { describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, UpstreamHandler } from '../../../harness/src/index.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig } from '../test-support/ai-host.ts';

const encoder = new TextEncoder();

/** An upstream answering `bytes` cut at `cuts` (byte offsets). */
function answer(contentType: string, bytes: Uint8Array, cuts: number[], status = 200): UpstreamHandler {
  const points = [0, ...cuts, bytes.length];
  const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
  return () => ({ status, headers: [['content-type', contentType]], chunks, trailers: [] });
}

function send(host: Host, upstream: UpstreamHandler, { body }: { body: unknown }): Promise<ExchangeResult> {
  return host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(body) }, { upstream });
}

function expectRelayed(result: ExchangeResult, bytes: Uint8Array, chunks: number): void {
  expect(Buffer.from(result.client.body).equals(Buffer.from(bytes))).toBe(true);
  expect(result.client.chunks.length).toBe(chunks);
  expect(result.stream.trace.filter((t) => t.callback === 'proxy_on_response_body').every((t) => t.result === 0)).toBe(true);
}

describe.each(MODES)('usage from unusual answers (%s)', (mode) => {
  it('reads usage from a JSON answer cut inside multi-byte characters', async () => {
    const host = await aiHost(mode, githubConfig());
    const json = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'openai/gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: '😀é✓'.repeat(50) } }], usage: { prompt_tokens: 3, completion_tokens: 150, total_tokens: 153 } });
    const bytes = encoder.encode(json);
    const start = bytes.indexOf(0xf0);
    const result = await send(host, answer('application/json', bytes, [start + 1, start + 6, start + 11]), { body: chatBody() });

    expect(result.status).toBe(200);
    expectRelayed(result, bytes, 4);
    expect(filterState(result, 'ai_log')).toMatchObject({ model: 'openai/gpt-4.1', stream: false, input_token: 3, output_token: 150, total_token: 153 });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('reads a model name cut inside a multi-byte character from a JSON answer', async () => {
    const host = await aiHost(mode, githubConfig());
    const bytes = encoder.encode(JSON.stringify({ object: 'chat.completion', model: 'modèle-✓', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    const e = bytes.indexOf(0xc3);
    const check = bytes.indexOf(0xe2);
    const result = await send(host, answer('application/json', bytes, [e + 1, check + 2]), { body: chatBody() });

    expectRelayed(result, bytes, 3);
    expect(filterState(result, 'ai_log')).toMatchObject({ model: 'modèle-✓', total_token: 2 });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('reads SSE with comments, event lines, CR-only endings and running totals, keeping the last', async () => {
    const host = await aiHost(mode, githubConfig());
    const event = (usage: object) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'm-1', choices: [], usage })}`;
    const text = [
      ': keep-alive\r\r',
      `event: message\r${event({ prompt_tokens: 2, completion_tokens: 1 })}\r\r`,
      ': ping\r\r',
      `${event({ prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 })}\r\r`,
      'data: [DONE]\r\r',
    ].join('');
    const bytes = encoder.encode(text);
    const cuts = [3, 20, text.indexOf('\r\r', 20) + 1, text.length - 8];
    const result = await send(host, answer('text/event-stream; charset=utf-8', bytes, cuts), { body: chatBody('openai/gpt-4.1', { stream: true }) });

    expect(result.status).toBe(200);
    expectRelayed(result, bytes, 5);
    expect(filterState(result, 'ai_log')).toMatchObject({ model: 'm-1', input_token: 2, output_token: 6, total_token: 8 });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('keeps the usage seen when the stream ends without a closing blank line or [DONE]', async () => {
    const host = await aiHost(mode, githubConfig());
    const text = `data: ${JSON.stringify({ model: 'm-2', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })}\n\ndata: {"model":"m-2","choices":[]`;
    const bytes = encoder.encode(text);
    const result = await send(host, answer('text/event-stream', bytes, [10]), { body: chatBody('openai/gpt-4.1', { stream: true }) });

    expect(result.status).toBe(200);
    expectRelayed(result, bytes, 2);
    expect(filterState(result, 'ai_log')).toMatchObject({ model: 'm-2', total_token: 3 });
    expectNoSecrets(host, [result], [TOKEN]);
  });

  it('relays malformed events and a non-JSON 200 unchanged, recording zeros', async () => {
    const host = await aiHost(mode, githubConfig());
    const sse = encoder.encode('data: {not json\n\ndata: [1,2]\n\ndata: [DONE]\n\n');
    const streamed = await send(host, answer('text/event-stream', sse, [7]), { body: chatBody('openai/gpt-4.1', { stream: true }) });
    const plain = encoder.encode('<html>ok</html>');
    const html = await send(host, answer('text/html', plain, []), { body: chatBody() });

    expectRelayed(streamed, sse, 2);
    expectRelayed(html, plain, 1);
    expect(filterState(streamed, 'ai_log')).toMatchObject({ model: 'openai/gpt-4.1', input_token: 0, output_token: 0, total_token: 0 });
    expect(filterState(html, 'ai_log')).toMatchObject({ model: 'openai/gpt-4.1', status: 200, total_token: 0 });
    expect((await send(host, answer('application/json', encoder.encode('{"model":"m","usage":{"prompt_tokens":1}}'), []), { body: chatBody() })).status).toBe(200);
    expectNoSecrets(host, [streamed, html], [TOKEN]);
  });

  it('passes an upstream\'s own 503 and 504 through unchanged', async () => {
    const host = await aiHost(mode, githubConfig());
    const busyHandler: UpstreamHandler = () => ({ status: 503, headers: [['content-type', 'application/json'], ['retry-after', '5']], chunks: [encoder.encode('{"error":"busy"}')], trailers: [] });
    const busy = await send(host, busyHandler, { body: chatBody() });
    const slow = await send(host, answer('text/plain', encoder.encode('gateway timeout upstream'), [], 504), { body: chatBody() });

    expect([busy.status, busy.client.text, busy.client.header('retry-after')]).toEqual([503, '{"error":"busy"}', '5']);
    expect([slow.status, slow.client.text, slow.client.header('content-type')]).toEqual([504, 'gateway timeout upstream', 'text/plain']);
    expect((await send(host, answer('application/json', encoder.encode('{}'), []), { body: chatBody() })).status).toBe(200);
    expectNoSecrets(host, [busy, slow], [TOKEN]);
  });
});
