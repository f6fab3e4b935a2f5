/**
 * The body paths stay linear in the input on the built module: per byte, a body eight times larger
 * costs about the same (quadratic code would cost eight times more per byte). Timings are compared as a
 * ratio of minima of interleaved rounds in one process, never against a wall-clock limit. The bodies are
 * the benchmark's (`bench/body-paths.ts`): escapes in a rewritten request (61 ms at 20 KB and 11.6 s at
 * 400 KB before the fix), many small arrays, many-line SSE events, an escape-heavy JSON answer.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../../harness/src/index.ts';
import { bracketRequest, escapedAnswer, escapedRequest, multiLineSse } from '../test-support/stress-bodies.ts';
import { plugin } from '../test-support/ai-host.ts';

const CONFIG = { provider: { type: 'github', apiTokens: ['ghp_linear_token'], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
const HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', 'content-type': 'application/json' };
const SMALL = 64 * 1024;
const LARGE = 8 * SMALL;
const MAX_RATIO = 2.5;

type Run = (host: Host, body: string) => void;

const request: Run = (host, body) => {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(body, true);
  expect(s.upstream.ended).toBe(true);
};

const answer = (contentType: string): Run => (host, body) => {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(escapedRequest(200), true);
  s.sendResponseHeaders({ ':status': '200', 'content-type': contentType });
  s.sendResponseBody(body, true);
  expect(s.client.ended).toBe(true);
};

function nsPerByte(host: Host, run: Run, body: string): number {
  const started = process.hrtime.bigint();
  run(host, body);
  return Number(process.hrtime.bigint() - started) / body.length;
}

/** `run` on both bodies once, then the best ns per byte of each over four interleaved rounds: the larger body's must stay within MAX_RATIO of the smaller's. */
function expectLinear(host: Host, run: Run, small: string, large: string, sizes: [string, string]): void {
  run(host, small);
  run(host, large);
  const best = { small: Infinity, large: Infinity };
  for (let round = 0; round < 4; round++) {
    best.small = Math.min(best.small, nsPerByte(host, run, small));
    best.large = Math.min(best.large, nsPerByte(host, run, large));
  }
  expect(best.large / best.small, `ns per byte: ${best.small.toFixed(1)} at ${sizes[0]}, ${best.large.toFixed(1)} at ${sizes[1]}`).toBeLessThan(MAX_RATIO);
}

describe('body paths on the .wasm are linear in the body size', () => {
  it.each([
    ['a rewritten request full of escapes', request, escapedRequest],
    ['a request with many small arrays', request, bracketRequest],
    ['an SSE answer of many-line events', answer('text/event-stream'), multiLineSse],
    ['a JSON answer full of escapes', answer('application/json'), escapedAnswer],
  ] as const)('%s', async (_name, run, make) => {
    const host = await createHost({ module: plugin.wasm, pluginConfig: CONFIG, canary: false, callbackTimeoutMs: 0 });
    expectLinear(host, run, make(SMALL), make(LARGE), ['64 KB', '512 KB']);
  });
});

describe('a multipart start held for its model field stays linear in its size, however small the chunks', () => {
  const MULTIPART = { provider: { type: 'openai', apiTokens: ['sk-linear-token'], modelMapping: { a: 'b' } } };
  const boundary = 'linear-boundary';
  /** A long text field of CRs (each one a delimiter candidate the reader checks in JS), then the model field: the whole start is held until it ends. */
  const form = (size: number) => `--${boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\n${'p\r'.repeat(size / 2)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\na\r\n--${boundary}--\r\n`;
  const upload: Run = (host, body) => {
    const s = host.newHttpStream(0);
    s.sendRequestHeaders({ ':method': 'POST', ':path': '/v1/audio/transcriptions', ':authority': 'gw', 'content-type': `multipart/form-data; boundary=${boundary}` });
    for (let at = 0; at < body.length; at += 64) s.sendRequestBody(body.slice(at, at + 64), at + 64 >= body.length);
    expect(new TextDecoder().decode(s.upstream.body).endsWith('name="model"\r\n\r\nb\r\n--linear-boundary--\r\n')).toBe(true);
  };

  it('in 64-byte chunks, 6 KB and 48 KB', async () => {
    const host = await createHost({ module: plugin.wasm, pluginConfig: MULTIPART, canary: false, callbackTimeoutMs: 0 });
    expectLinear(host, upload, form(6 * 1024), form(48 * 1024), ['6 KB', '48 KB']);
  });
});
