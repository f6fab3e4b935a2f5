/**
 * AI-proxy benchmarks: a whole non-streaming 1 KB chat exchange and one relayed SSE chunk, for the AI
 * proxy and the passthrough plugin built by the same toolchain, timed side by side as the minimum of
 * interleaved rounds; and, from a profiled run, where an exchange's time goes per callback, split into
 * host (inside host functions, the harness's emulation included) and guest (QuickJS) time.
 */
import { readFileSync } from 'node:fs';
import { createHost, type Host, type HostOptions } from '../harness/src/index.ts';

export const BENCH_CONFIG = { provider: { type: 'github', apiTokens: ['ghp_bench_token'], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
export const REQUEST = JSON.stringify({
  model: 'gpt-4.1',
  messages: Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${'lorem ipsum '.repeat(8)}` })),
});
export const ANSWER = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'openai/gpt-4.1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 120, completion_tokens: 2, total_tokens: 122 },
});
const EVENT = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'openai/gpt-4.1', choices: [{ index: 0, delta: { content: 'word ' } }] })}\n\n`;
export const HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', 'content-type': 'application/json' };

/** A host for the module `dist/<name>.wasm`, or for the module file `name` when it ends in `.wasm`. */
export async function benchHost(name: string, profile = false, pluginConfig: object = BENCH_CONFIG, options: Partial<HostOptions> = {}): Promise<Host> {
  return createHost({ module: readFileSync(name.endsWith('.wasm') ? name : `dist/${name}.wasm`), pluginConfig, canary: false, callbackTimeoutMs: 0, envoyRequestHeaders: false, profile, ...options });
}

/** Two tokens, with `failover` on or off: what token health costs a request that succeeds at once. */
export function failoverConfig(enabled: boolean): object {
  const provider = { ...BENCH_CONFIG.provider, apiTokens: ['ghp_bench_token_a', 'ghp_bench_token_b'], tokenStrategy: 'round-robin' };
  return { provider: enabled ? { ...provider, failover: { enabled: true, cooldownDuration: 60000 } } : provider };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark set-up failed: ${what}`);
}

/** One chat exchange that waits for the plugin to send the request upstream (after a Redis decision, if any). */
export async function waitedExchange(host: Host): Promise<void> {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST, true);
  while (!s.upstream.ended) await host.idle();
  s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
  s.sendResponseBody(ANSWER, true);
  if (s.client.status !== 200) throw new Error(`benchmark set-up failed: status ${s.client.status}`);
}

/** One whole non-streaming ~1 KB request and answer through `host`. */
export function chatExchange(host: Host): void {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST, true);
  s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
  s.sendResponseBody(ANSWER, true);
  check(s.upstream.ended && s.client.status === 200 && s.client.text === ANSWER, 'the chat request was not relayed');
}

/** A streaming exchange left open after its response headers; each call of `chunk` relays one SSE event. */
export function sseStream(host: Host): { chunk: () => void } {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders(HEADERS);
  s.sendRequestBody(REQUEST.replace('"gpt-4.1"', '"gpt-4.1","stream":true'), true);
  s.sendResponseHeaders({ ':status': '200', 'content-type': 'text/event-stream' });
  check(s.upstream.ended && s.client.status === 200, 'the streaming response did not open');
  const before = s.client.chunks.length;
  let sent = 0;
  return {
    chunk: () => {
      s.sendResponseBody(EVENT, false);
      if (++sent % 1000 === 0) check(s.client.chunks.length === before + sent, 'a chunk was not relayed');
    },
  };
}

export interface SideBySide {
  /** µs per call of each run: the minimum over the rounds. */
  best: number[];
  /** The median over the rounds of the first run's time divided by the second's, measured in the same round. */
  medianRatio: number;
  /** µs per call of each run in every round, in round order. */
  samples: number[][];
}

/**
 * µs per call of each `run` over `rounds` interleaved rounds of `perRound` calls each, the order rotating
 * every round: the minimum per run, and the median of the per-round ratio of the first run to the second
 * (both timed in the same round, so drift of this noisy machine between rounds cancels).
 */
export function interleaved(runs: Array<() => void>, perRound: number, rounds = 9): SideBySide {
  for (const run of runs) for (let i = 0; i < 200; i++) run();
  const best = runs.map(() => Infinity);
  const samples = runs.map((): number[] => []);
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const times = runs.map(() => 0);
    runs.forEach((_, j) => {
      const k = (j + r) % runs.length;
      const run = runs[k]!;
      const started = performance.now();
      for (let i = 0; i < perRound; i++) run();
      times[k] = ((performance.now() - started) * 1000) / perRound;
      best[k] = Math.min(best[k]!, times[k]!);
      samples[k]!.push(times[k]!);
    });
    ratios.push(times[0]! / times[1]!);
  }
  ratios.sort((a, b) => a - b);
  return { best, medianRatio: ratios[Math.floor(ratios.length / 2)]!, samples };
}

export interface PhaseRow {
  phase: string;
  total_us: number;
  guest_us: number;
  host_us: number;
}

/** Per callback of a chat exchange: µs per exchange in all, in host functions, and in the guest (profiled). */
export async function chatPhases(name: string, exchanges = 2000): Promise<PhaseRow[]> {
  const host = await benchHost(name, true);
  for (let i = 0; i < 200; i++) chatExchange(host);
  host.profile!.clear();
  for (let i = 0; i < exchanges; i++) chatExchange(host);
  const profile = host.profile!;
  return [...profile.callbacks.entries()].map(([callback, entry]) => {
    const hostNs = profile.hostWithin.get(callback) ?? 0;
    return { phase: callback.replace('proxy_on_', ''), total_us: entry.ns / exchanges / 1000, guest_us: (entry.ns - hostNs) / exchanges / 1000, host_us: hostNs / exchanges / 1000 };
  });
}

/** The host functions a chat exchange calls, with calls and µs per exchange (profiled), most costly first. */
export async function chatHostCalls(name: string, exchanges = 2000): Promise<Array<{ host_function: string; calls: number; us: number }>> {
  const host = await benchHost(name, true);
  for (let i = 0; i < 200; i++) chatExchange(host);
  host.profile!.clear();
  for (let i = 0; i < exchanges; i++) chatExchange(host);
  return [...host.profile!.hostFunctions.entries()]
    .map(([name, e]) => ({ host_function: name.replace('env.', ''), calls: e.calls / exchanges, us: e.ns / exchanges / 1000 }))
    .sort((a, b) => b.us - a.us);
}

/** Linear memory pages of the AI proxy's worker after 1 000 and after `requests` more chat exchanges. */
export async function memoryAfterChats(requests: number): Promise<{ before: number; after: number }> {
  const host = await benchHost('ai-proxy');
  for (let i = 0; i < 1000; i++) chatExchange(host);
  const before = host.workers[0]!.memory.pages;
  for (let i = 0; i < requests; i++) chatExchange(host);
  return { before, after: host.workers[0]!.memory.pages };
}
