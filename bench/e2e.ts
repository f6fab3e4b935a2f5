/**
 * `npm run bench:e2e`: the AI proxy in a real Envoy container against the same Envoy running the
 * passthrough plugin, both on one machine in front of the same fake upstream on the host, loaded by
 * autocannon: requests per second, p50 and p99 latency, and what the AI proxy adds, for plain and
 * streamed chat. Each gateway is measured in alternating rounds (best of them, as this machine is
 * noisy). The gateway reaches the host through Docker's `host-gateway` (no SSH tunnel in the measured
 * path). Without a Docker engine it prints one line saying why and exits 0.
 */
import autocannon from 'autocannon';
import { startFakeGitHubModels } from '../plugin/ai-proxy/fake/github-models.ts';
import { TOKEN } from '../plugin/ai-proxy/test-support/scenarios.ts';
import { WORLDS, startWorld } from '../e2e/container-world.ts';
import { dockerUnavailableReason } from '../e2e/docker.ts';
import { formatTable } from './measure.ts';

const ROUNDS = Number(process.env.BENCH_E2E_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 5);
const CONNECTIONS = 16;
const CONFIG = { provider: { type: 'github', apiTokens: [TOKEN], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
const body = (stream: boolean) => JSON.stringify({ model: 'gpt-4.1', stream, messages: [{ role: 'user', content: 'hello from the load test' }] });

interface Run { rps: number; p50: number; p99: number; non2xx: number }

async function load(url: string, stream: boolean): Promise<Run> {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`, method: 'POST', connections: CONNECTIONS, duration: SECONDS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: body(stream),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

const best = (runs: Run[]): Run => runs.reduce((a, b) => (b.rps > a.rps ? b : a));

async function main(): Promise<void> {
  const reason = dockerUnavailableReason();
  if (reason) {
    console.log(`bench:e2e skipped: ${reason}`);
    return;
  }
  const fake = await startFakeGitHubModels({ host: '0.0.0.0' });
  const spec = WORLDS[1]!;
  const world = await startWorld(spec, [
    { id: 'ai-proxy', module: 'ai-proxy.envoy.wasm', config: CONFIG },
    { id: 'passthrough', module: 'passthrough.envoy.wasm', config: {} },
  ], { 'ai-proxy.envoy.wasm': 'dist/ai-proxy.envoy.wasm', 'passthrough.envoy.wasm': 'dist/passthrough.envoy.wasm' }, fake.port, { direct: true, logs: false });
  try {
    const rows: Array<Record<string, string | number>> = [];
    for (const stream of [false, true]) {
      const runs: Record<'ai' | 'pass', Run[]> = { ai: [], pass: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const which of r % 2 === 0 ? (['ai', 'pass'] as const) : (['pass', 'ai'] as const)) runs[which].push(await load(world.url(which === 'ai' ? 0 : 1), stream));
      }
      const ai = best(runs.ai);
      const pass = best(runs.pass);
      const kind = stream ? 'streamed chat' : 'plain chat';
      rows.push({ case: `${kind}, ai-proxy`, requests_per_s: ai.rps, p50_ms: ai.p50, p99_ms: ai.p99, non_2xx: ai.non2xx, added_p50_ms: ai.p50 - pass.p50, added_p99_ms: ai.p99 - pass.p99 });
      rows.push({ case: `${kind}, passthrough`, requests_per_s: pass.rps, p50_ms: pass.p50, p99_ms: pass.p99, non_2xx: pass.non2xx, added_p50_ms: 0, added_p99_ms: 0 });
    }
    console.log(`\n${spec.name} (${spec.image}), ${CONNECTIONS} connections, best of ${ROUNDS} alternating rounds of ${SECONDS} s, the fake upstream on the host`);
    console.log(formatTable(rows));
  } finally {
    await world.stop();
    await fake.close();
  }
}

await main();
