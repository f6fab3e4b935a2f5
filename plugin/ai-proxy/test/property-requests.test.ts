/**
 * Property-based: random requests through the built module (and the bundle on V8), on one host per
 * mode so every case also checks that the previous ones left the VM serving. Bodies are random JSON
 * (deep, wide, escape-heavy), chat bodies in odd spellings, raw and invalid UTF-8 bytes, cut into random
 * chunks; paths, methods, content types and extra headers are random, and the client sends its own
 * credentials. Whatever comes in: no VM failure; a local reply is an OpenAI-style JSON error with a
 * 4xx/5xx status; a forwarded body differs from the client's only in `model` (as mapped) and
 * `stream_options` (include_usage added to a streaming chat), byte for byte otherwise; the answer reaches
 * the client unchanged; no token or client credential shows anywhere.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHost, type Host, type HttpStream } from '../../../harness/src/index.ts';
import { pluginSource } from '../../test-support/build-plugin.ts';
import { MODES, plugin, type PluginMode } from '../test-support/ai-host.ts';
import { TOKEN, bytesOf, chunked, cuts, expectSafe, headerPairs, requestBody, requestHeaders, runs, sharedHost } from '../test-support/hostile.ts';

const MAPPING = { 'gpt-4.1': 'openai/gpt-4.1', 'gpt-*': 'openai/gpt-4.1-mini', '~^llama-(\\d)$': 'meta/llama-$1', '*': 'openai/gpt-4.1-nano' };
const ANSWER = bytesOf('{"id":"c1","object":"chat.completion","model":"openai/gpt-4.1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}');
const decoder = new TextDecoder();

function expectedModel(model: unknown): string {
  if (typeof model !== 'string' || model === '') return MAPPING['*'];
  if (model === 'gpt-4.1') return MAPPING['gpt-4.1'];
  if (model.startsWith('gpt-')) return MAPPING['gpt-*'];
  const llama = /^llama-(\d)$/.exec(model);
  return llama ? `meta/llama-${llama[1]}` : MAPPING['*'];
}

const withoutEdits = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'model' && k !== 'stream_options'));

/** The forwarded body is the client's with only `model` and `stream_options` changed, as they should be. */
function expectForwardedBody(sent: Uint8Array, forwarded: Uint8Array, api: string): void {
  const client = JSON.parse(decoder.decode(sent)) as Record<string, unknown>;
  const upstream = JSON.parse(decoder.decode(forwarded)) as Record<string, unknown>;
  expect(isDeepStrictEqual(withoutEdits(upstream), withoutEdits(client))).toBe(true);
  expect(upstream.model).toBe(expectedModel(client.model));
  const options = client.stream_options;
  const wantsUsage = api === 'chat' && client.stream === true && (options === undefined || (typeof options === 'object' && options !== null && !Array.isArray(options) && !('include_usage' in options)));
  expect(upstream.stream_options).toEqual(wantsUsage ? { ...(options as object), include_usage: true } : options);
  if (upstream.model === client.model && !wantsUsage) expect(Buffer.from(forwarded).equals(Buffer.from(sent))).toBe(true);
}

function run(host: Host, headers: Array<[string, string]>, chunks: Uint8Array[]): HttpStream {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(headers, chunks.length === 0);
  chunks.forEach((chunk, i) => s.sendRequestBody(chunk, i === chunks.length - 1));
  if (s.upstream.ended && !s.localReply) {
    s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
    s.sendResponseBody(ANSWER.subarray(0, 40), false);
    s.sendResponseBody(ANSWER.subarray(40), true);
  }
  return s;
}

describe.each(MODES)('random requests (%s)', (mode: PluginMode) => {
  const host = sharedHost(() => createHost({ ...pluginSource(plugin, mode), pluginConfig: { provider: { type: 'github', apiTokens: [TOKEN], modelMapping: MAPPING } }, canary: false }));

  it('keeps the VM serving, answers errors in OpenAI shape, forwards only the edits it should, leaks nothing', async () => {
    const outcomes = { forwarded: 0, replied: 0 };
    const input = requestHeaders.chain((headers) => requestBody.chain((body) => cuts(body.length).map((at) => ({ headers, body, at }))));
    await fc.assert(
      fc.asyncProperty(input, async ({ headers, body, at }) => {
        const proxy = await host();
        const logsFrom = proxy.logs.entries.length;
        const s = run(proxy, headerPairs(headers), body.length === 0 ? [] : chunked(body, at));
        expectSafe(proxy, s, logsFrom);
        if (s.localReply) {
          outcomes.replied++;
          expect(s.upstream.ended).toBe(false);
          return;
        }
        outcomes.forwarded++;
        expect(s.client.text).toBe(decoder.decode(ANSWER));
        const api = /\/chat\/completions\/?(\?|$)/.test(headers.path) ? 'chat' : /\/embeddings(\?|$)/.test(headers.path) ? 'embeddings' : 'models';
        if (api !== 'models') expectForwardedBody(body, s.upstream.body, api);
      }),
      runs(mode === 'wasm' ? 2000 : 600),
    );
    expect(outcomes.forwarded).toBeGreaterThan((outcomes.forwarded + outcomes.replied) / 5);
  });
});
