/**
 * AI-proxy benchmarks (issue: the AI proxy): plugin time per non-streaming 1 KB chat request and per SSE
 * chunk, measured by driving streams directly (no sockets), as a ratio to the passthrough plugin built by
 * the same toolchain.
 */
import { readFileSync } from 'node:fs';
import { createHost } from '../harness/src/index.ts';
import { microsPerCall } from './measure.ts';

const CONFIG = { provider: { type: 'github', apiTokens: ['ghp_bench_token'], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
const REQUEST = JSON.stringify({
  model: 'gpt-4.1',
  messages: Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${'lorem ipsum '.repeat(8)}` })),
});
const ANSWER = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'openai/gpt-4.1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 120, completion_tokens: 2, total_tokens: 122 },
});
const EVENT = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'openai/gpt-4.1', choices: [{ index: 0, delta: { content: 'word ' } }] })}\n\n`;
const HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', 'content-type': 'application/json' };

async function host(name: string) {
  return createHost({ module: readFileSync(`dist/${name}.wasm`), pluginConfig: CONFIG, canary: false, callbackTimeoutMs: 0, envoyRequestHeaders: false });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark set-up failed: ${what}`);
}

/** Microseconds for one whole non-streaming ~1 KB request/response through `name`. */
export async function chatRequestMicros(name: string): Promise<number> {
  const h = await host(name);
  const one = () => {
    const s = h.newHttpStream(0);
    s.sendRequestHeaders(HEADERS);
    s.sendRequestBody(REQUEST, true);
    s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
    s.sendResponseBody(ANSWER, true);
    return s;
  };
  const probe = one();
  check(probe.upstream.ended && probe.client.status === 200 && probe.client.text === ANSWER, `${name} did not relay a chat request`);
  return microsPerCall(one, 2000);
}

/** Microseconds per SSE chunk relayed through `name` on one long streaming response. */
export async function sseChunkMicros(name: string): Promise<number> {
  const h = await host(name);
  const s = h.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST.replace('"gpt-4.1"', '"gpt-4.1","stream":true'), true);
  s.sendResponseHeaders({ ':status': '200', 'content-type': 'text/event-stream' });
  check(s.upstream.ended && s.client.status === 200, `${name} did not open a streaming response`);
  const micros = microsPerCall(() => void s.sendResponseBody(EVENT, false), 20000);
  check(s.client.chunks.length > 20000 && !s.completed, `${name} did not relay every chunk`);
  return micros;
}
