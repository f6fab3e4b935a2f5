/**
 * Cost per KB of the AI proxy's body paths on QuickJS for bodies of 1 KB, 100 KB and 1 MB built to stress
 * them: a request whose message is one string of `\n` escapes (scanned and spliced, since the model is
 * remapped and `include_usage` added), a request holding many small arrays (the depth check walks them),
 * an SSE answer whose events carry many `data:` lines and escapes, and a JSON answer full of escapes
 * (parsed for usage). Linear code gives the same µs/KB at every size.
 */
import { readFileSync } from 'node:fs';
import { createHost, type Host } from '../harness/src/index.ts';
import { bracketRequest, escapedAnswer, escapedRequest, multiLineSse } from '../plugin/ai-proxy/test-support/stress-bodies.ts';

const CONFIG = { provider: { type: 'github', apiTokens: ['ghp_bench_token'], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
const HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', 'content-type': 'application/json' };
export const SIZES = [1024, 100 * 1024, 1024 * 1024];

async function proxyHost(): Promise<Host> {
  return createHost({ module: readFileSync('dist/ai-proxy.wasm'), pluginConfig: CONFIG, canary: false, callbackTimeoutMs: 0, envoyRequestHeaders: false });
}

export type BodyPath = 'request rewrite' | 'request brackets' | 'SSE answer' | 'JSON answer';

/** One exchange that puts `bytes` through `path`; throws if the plugin did not relay it. */
function exchange(host: Host, path: BodyPath, body: string): void {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  const request = path.startsWith('request');
  s.sendRequestBody(request ? body : escapedRequest(200), true);
  if (!s.upstream.ended) throw new Error(`benchmark set-up failed: the request was not forwarded (${s.localReply?.details})`);
  const sse = path === 'SSE answer';
  s.sendResponseHeaders({ ':status': '200', 'content-type': sse ? 'text/event-stream' : 'application/json' });
  s.sendResponseBody(request ? '{}' : body, true);
  if (!s.client.ended) throw new Error('benchmark set-up failed: the answer was not relayed');
}

const BODY: Record<BodyPath, (bytes: number) => string> = {
  'request rewrite': escapedRequest,
  'request brackets': bracketRequest,
  'SSE answer': multiLineSse,
  'JSON answer': escapedAnswer,
};

/** µs per KB of `path` at each size: the minimum over rounds, each round as many exchanges as fit ~0.3 s. */
export async function microsPerKb(path: BodyPath, sizes = SIZES, budgetMs = 300): Promise<number[]> {
  const host = await proxyHost();
  return sizes.map((size) => {
    const body = BODY[path](size);
    exchange(host, path, body);
    let best = Infinity;
    const until = performance.now() + budgetMs * 3;
    for (let round = 0; round < 5 && (round < 2 || performance.now() < until); round++) {
      const started = performance.now();
      exchange(host, path, body);
      best = Math.min(best, performance.now() - started);
    }
    return (best * 1000) / (body.length / 1024);
  });
}
