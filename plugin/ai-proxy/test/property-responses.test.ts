/**
 * Property-based: random answers through the built module (and the bundle on V8). SSE streams are made
 * of random events (data lines, comments, `event:`/`id:` fields, LF/CRLF/CR framing, JSON payloads that
 * are deep, escaped or not JSON at all, a usage chunk somewhere) and cut at random byte offsets; JSON
 * answers are random JSON, deep text or raw bytes; statuses are random. Whatever arrives: no VM failure,
 * a successful answer reaches the client byte for byte in the upstream's chunks, the usage of a stream
 * that carries exactly one usage chunk is recorded as sent, and nothing leaks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../../harness/src/index.ts';
import { pluginSource } from '../../test-support/build-plugin.ts';
import { MODES, filterStateOf, plugin, type PluginMode } from '../test-support/ai-host.ts';
import { TOKEN, bytesOf, chunked, cuts, deepText, expectSafe, nastyString, runs, sharedHost } from '../test-support/hostile.ts';

const HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gateway.local', 'content-type': 'application/json' };
const REQUEST = bytesOf('{"model":"openai/gpt-4.1","stream":true,"messages":[{"role":"user","content":"hi"}]}');

const payload = fc.oneof(
  { weight: 4, arbitrary: fc.record({ id: nastyString, model: fc.constantFrom('openai/gpt-4.1', ''), choices: fc.array(fc.record({ delta: fc.record({ content: nastyString }) }), { maxLength: 2 }) }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.json({ depthSize: 'medium' }) },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: nastyString },
);

const eol = fc.constantFrom('\n', '\r\n', '\r');
const field = fc.oneof(
  { weight: 5, arbitrary: payload.map((p) => `data: ${p}`) },
  { weight: 1, arbitrary: nastyString.map((c) => `:${c.replace(/[\r\n]/g, ' ')}`) },
  { weight: 1, arbitrary: fc.constantFrom('event: delta', 'id: 7', 'retry: 10', 'data:', 'data') },
);
const event = fc.tuple(fc.array(field, { minLength: 1, maxLength: 4 }), eol).map(([lines, end]) => lines.map((l) => l.replace(/[\r\n]/g, ' ') + end).join('') + end);

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A stream of random events with one usage chunk inserted at a random place, and [DONE]. */
const sseStream = fc
  .tuple(fc.array(event, { maxLength: 12 }), fc.nat(), fc.record({ prompt_tokens: fc.nat(10_000), completion_tokens: fc.nat(10_000) }), eol)
  .map(([events, at, counts, end]) => {
    const usage: Usage = { ...counts, total_tokens: counts.prompt_tokens + counts.completion_tokens };
    const chunk = `data: ${JSON.stringify({ id: 'u', model: 'openai/gpt-4.1', choices: [], usage })}${end}${end}`;
    const all = [...events];
    all.splice(at % (events.length + 1), 0, chunk);
    return { text: all.join('') + `data: [DONE]${end}${end}`, usage };
  });

/** A usage object whose counts are spelled every way JSON allows (and as other kinds), names repeated, escaped or absent. */
const countText = fc.oneof(
  { weight: 4, arbitrary: fc.nat(2_000_000_000).map(String) },
  { weight: 3, arbitrary: fc.constantFrom('0', '-0', '-5', '1.5', '12.0', '1e3', '1E+2', '0.0', '123456789', '1234567890', '99999999999999999999', '1e400', 'null', 'true', '"12"', '{}', '[1]') },
);
const countName = fc.constantFrom('prompt_tokens', 'input_tokens', 'completion_tokens', 'output_tokens', 'total_tokens', 'prompt_tokens_details', 'prompt\\u005ftokens', 'total_tokens ');
const usageText = fc.array(fc.tuple(countName, countText, fc.constantFrom('', ' ', '\n')), { maxLength: 7 }).map((members) => `{${members.map(([name, value, ws]) => `${ws}"${name}"${ws}:${ws}${value}${ws}`).join(',')}}`);

/** What the documented rule reads from a usage object: finite counts ≥ 0, `prompt_tokens ?? input_tokens`, a missing total the sum, nothing without a valid count. */
function expectedCounts(text: string): { input_token: number; output_token: number; total_token: number } {
  const usage = JSON.parse(text) as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === 'number' && v >= 0 && v !== Infinity ? v + 0 : undefined);
  const prompt = count(usage.prompt_tokens ?? usage.input_tokens);
  const completion = count(usage.completion_tokens ?? usage.output_tokens);
  const total = count(usage.total_tokens);
  if (prompt === undefined && completion === undefined && total === undefined) return { input_token: 0, output_token: 0, total_token: 0 };
  return { input_token: prompt ?? 0, output_token: completion ?? 0, total_token: total ?? (prompt ?? 0) + (completion ?? 0) };
}

const jsonAnswer = fc.oneof(fc.json({ depthSize: 'large' }).map(bytesOf), deepText.map(bytesOf), fc.uint8Array({ maxLength: 200 }));

function relay(host: Host, status: number, contentType: string, chunks: Uint8Array[]) {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST, true);
  s.sendResponseHeaders({ ':status': String(status), 'content-type': contentType });
  chunks.forEach((chunk, i) => s.sendResponseBody(chunk, i === chunks.length - 1));
  if (chunks.length === 0) s.sendResponseBody(new Uint8Array(0), true);
  return s;
}

function expectRelayedAsSent(s: ReturnType<typeof relay>, chunks: Uint8Array[]): void {
  expect(s.client.chunks.map((c) => Buffer.from(c).toString('hex'))).toEqual(chunks.filter((c) => c.length > 0).map((c) => Buffer.from(c).toString('hex')));
}

describe.each(MODES)('random answers (%s)', (mode: PluginMode) => {
  const host = sharedHost(() => createHost({ ...pluginSource(plugin, mode), pluginConfig: { provider: { type: 'github', apiTokens: [TOKEN] } }, canary: false }));

  it('relays any SSE stream byte for byte in its chunks and records its one usage chunk', async () => {
    const input = sseStream.chain((stream) => cuts(bytesOf(stream.text).length).map((at) => ({ ...stream, at })));
    await fc.assert(
      fc.asyncProperty(input, async ({ text, usage, at }) => {
        const proxy = await host();
        const logsFrom = proxy.logs.entries.length;
        const chunks = chunked(bytesOf(text), at);
        const s = relay(proxy, 200, 'text/event-stream', chunks);
        expectSafe(proxy, s, logsFrom);
        expectRelayedAsSent(s, chunks);
        expect(filterStateOf(s, 'ai_log')).toMatchObject({ input_token: usage.prompt_tokens, output_token: usage.completion_tokens, total_token: usage.total_tokens, complete: true });
      }),
      runs(mode === 'wasm' ? 1200 : 400),
    );
  });

  it('records the usage of a JSON answer as its counts say, however they are spelled, in one chunk or several', async () => {
    const input = usageText.chain((usage) => {
      const body = bytesOf(`{"id":"chatcmpl-1","model":"openai/gpt-4.1","usage":${usage}}`);
      return fc.oneof(fc.constant<number[]>([]), cuts(body.length)).map((at) => ({ usage, body, at }));
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ usage, body, at }) => {
        const proxy = await host();
        const s = relay(proxy, 200, 'application/json', chunked(body, at));
        expect(s.client.status).toBe(200);
        expect(filterStateOf(s, 'ai_log')).toMatchObject(expectedCounts(usage));
      }),
      runs(mode === 'wasm' ? 600 : 300),
    );
  });

  it('relays any JSON answer of any status without failing, and successful ones byte for byte', async () => {
    const input = fc.tuple(jsonAnswer, fc.constantFrom(200, 200, 201, 400, 404, 429, 500, 503), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'));
    const withCuts = input.chain(([body, status, type]) => cuts(body.length).map((at) => ({ body, status, type, at })));
    await fc.assert(
      fc.asyncProperty(withCuts, async ({ body, status, type, at }) => {
        const proxy = await host();
        const logsFrom = proxy.logs.entries.length;
        const chunks = body.length === 0 ? [] : chunked(body, at);
        const s = relay(proxy, status, type, chunks);
        expectSafe(proxy, s, logsFrom);
        expect(s.client.status).toBe(status);
        expectRelayedAsSent(s, chunks);
      }),
      runs(mode === 'wasm' ? 800 : 300),
    );
  });
});
