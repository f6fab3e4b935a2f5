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

describe('body paths on the .wasm are linear in the body size', () => {
  it.each([
    ['a rewritten request full of escapes', request, escapedRequest],
    ['a request with many small arrays', request, bracketRequest],
    ['an SSE answer of many-line events', answer('text/event-stream'), multiLineSse],
    ['a JSON answer full of escapes', answer('application/json'), escapedAnswer],
  ] as const)('%s', async (_name, run, make) => {
    const host = await createHost({ module: plugin.wasm, pluginConfig: CONFIG, canary: false, callbackTimeoutMs: 0 });
    const small = make(SMALL);
    const large = make(LARGE);
    run(host, small);
    run(host, large);
    const best = { small: Infinity, large: Infinity };
    for (let round = 0; round < 4; round++) {
      best.small = Math.min(best.small, nsPerByte(host, run, small));
      best.large = Math.min(best.large, nsPerByte(host, run, large));
    }
    expect(best.large / best.small, `ns per byte: ${best.small.toFixed(1)} at 64 KB, ${best.large.toFixed(1)} at 512 KB`).toBeLessThan(MAX_RATIO);
  });
});
