/** `npm run bench` (after the build it runs first): measures the modules in dist/ and prints a table. */
import { statSync } from 'node:fs';
import { formatTable } from './measure.ts';
import { callbackMicros, compileMillis, memoryAfterRequests, vmStartMillis } from './engine.ts';
import { benchHost, chatExchange, chatHostCalls, chatPhases, failoverConfig, interleaved, memoryAfterChats, sseStream } from './ai-proxy.ts';
import { SIZES, microsPerKb, type BodyPath } from './body-paths.ts';
import { printRateLimitRows } from './rate-limits.ts';
import { printCacheRows } from './cache.ts';

const rows: Array<Record<string, string | number>> = [];
const add = (metric: string, wasm: number, node: number, unit: string, target: string) =>
  rows.push({ metric, quickjs_wasm: wasm, node_v8: node, ratio: node > 0 ? wasm / node : 0, unit, target });

for (const file of ['passthrough.wasm', 'ai-proxy.wasm', 'ai-proxy.envoy.wasm']) {
  const size = statSync(`dist/${file}`).size;
  rows.push({ metric: `module size (${file})`, quickjs_wasm: Math.round(size / 1024), node_v8: 0, ratio: 0, unit: 'KiB', target: '≤ 1536' });
}
rows.push({ metric: 'compile (V8 default)', quickjs_wasm: compileMillis('dist/passthrough.wasm', []), node_v8: 0, ratio: 0, unit: 'ms', target: '' });
rows.push({
  metric: 'compile (--no-liftoff --no-wasm-lazy-compilation, as Envoy)',
  quickjs_wasm: compileMillis('dist/passthrough.wasm', ['--no-liftoff', '--no-wasm-lazy-compilation']),
  node_v8: 0,
  ratio: 0,
  unit: 'ms',
  target: '',
});
add('VM start (_initialize+vm_start+configure)', await vmStartMillis('wasm'), await vmStartMillis('node'), 'ms', '≤ 5');

const empty = { wasm: await callbackMicros('wasm', 'empty', 1, 20000), node: await callbackMicros('node', 'empty', 1, 20000) };
add('empty callback (request headers)', empty.wasm, empty.node, 'µs', '≤ 5');

/** µs per operation `op` in `mode`: a callback repeating it, less one repeating the benchmark plugin's empty loop as often. */
async function perOperation(mode: 'wasm' | 'node', op: string, iterations: number, rounds: number): Promise<number> {
  return ((await callbackMicros(mode, op, iterations, rounds)) - (await callbackMicros(mode, 'empty', iterations, rounds))) / iterations;
}

const K = 1000;
add('one host call (read a header)', await perOperation('wasm', 'header', K, 200), await perOperation('node', 'header', K, 200), 'µs', '≤ 2');
for (const [op, label, iterations, rounds] of [
  ['json1k', 'JSON.parse+stringify 1 KB', 100, 100],
  ['json100k', 'JSON.parse+stringify 100 KB', 1, 30],
] as const) {
  add(label, await perOperation('wasm', op, iterations, rounds), await perOperation('node', op, iterations, rounds), 'µs', '');
}
for (const [op, label, bytes, iterations, rounds] of [
  ['scan1k', 'native JSON scan, 1 KB chat body', 1024, 100, 100],
  ['scan100k', 'native JSON scan, 100 KB chat body', 100 * 1024, 4, 30],
  ['scan1m', 'native JSON scan, 1 MB chat body', 1024 * 1024, 1, 10],
] as const) {
  const wasm = await perOperation('wasm', op, iterations, rounds);
  const node = await perOperation('node', op, iterations, rounds);
  rows.push({ metric: `${label}: µs per KB`, quickjs_wasm: wasm / (bytes / 1024), node_v8: node / (bytes / 1024), ratio: wasm / node, unit: 'µs/KB', target: '' });
  rows.push({ metric: `${label}: throughput`, quickjs_wasm: bytes / wasm, node_v8: bytes / node, ratio: 0, unit: 'MB/s', target: '≥ 200' });
}
const memory = await memoryAfterRequests('wasm', 100_000);
rows.push({ metric: 'linear memory before → after 100k requests (rewrite-body)', quickjs_wasm: `${memory.before} → ${memory.after}`, node_v8: '', ratio: '', unit: 'pages', target: 'no growth' });

console.log(formatTable(rows));

const [aiHost, passHost, aiSse, passSse] = await Promise.all([benchHost('ai-proxy'), benchHost('passthrough'), benchHost('ai-proxy'), benchHost('passthrough')]);
const chat = interleaved([() => chatExchange(aiHost), () => chatExchange(passHost)], 100, 100);
const [aiStream, passStream] = [sseStream(aiSse), sseStream(passSse)];
const sse = interleaved([aiStream.chunk, passStream.chunk], 1000, 50);
console.log('\nAI proxy vs passthrough on QuickJS, µs per unit: minimum of 100 (SSE: 50) interleaved rounds in rotating order, and the median of the per-round ratios (harness host included in both)');
console.log(formatTable([
  { case: 'non-streaming 1 KB chat exchange', ai_proxy: chat.best[0]!, passthrough: chat.best[1]!, ratio_of_minima: chat.best[0]! / chat.best[1]!, median_round_ratio: chat.medianRatio, target: '≤ 5 (aim 3)' },
  { case: 'one SSE chunk relayed', ai_proxy: sse.best[0]!, passthrough: sse.best[1]!, ratio_of_minima: sse.best[0]! / sse.best[1]!, median_round_ratio: sse.medianRatio, target: '≤ 2.5' },
]));
const [withFailover, withoutFailover] = await Promise.all([benchHost('ai-proxy', false, failoverConfig(true)), benchHost('ai-proxy', false, failoverConfig(false))]);
const failover = interleaved([() => chatExchange(withFailover), () => chatExchange(withoutFailover)], 100, 50);
console.log('\nAI proxy with failover on vs off (two tokens, a request that succeeds at once), µs per exchange: minimum of 50 interleaved rounds');
console.log(formatTable([
  { case: 'non-streaming 1 KB chat exchange', failover_on: failover.best[0]!, failover_off: failover.best[1]!, added_us: failover.best[0]! - failover.best[1]!, median_round_ratio: failover.medianRatio },
]));
await printRateLimitRows();
await printCacheRows();
for (const name of ['ai-proxy', 'passthrough']) {
  console.log(`\n${name}: one chat exchange per callback, µs (profiled run: a clock read per call inflates both sides)`);
  console.log(formatTable((await chatPhases(name)) as unknown as Array<Record<string, string | number>>));
}
console.log('\nai-proxy: host functions per chat exchange (profiled)');
console.log(formatTable((await chatHostCalls('ai-proxy')).slice(0, 12) as unknown as Array<Record<string, string | number>>));
const chatMemory = await memoryAfterChats(100_000);
console.log(`\nai-proxy linear memory: ${chatMemory.before} pages after 1 000 chat exchanges, ${chatMemory.after} after 100 000 more (target: no growth)`);

const paths: BodyPath[] = ['request rewrite', 'request brackets', 'SSE answer', 'JSON answer'];
const kb = (bytes: number) => `${bytes / 1024} KB`;
const bodyRows: Array<Record<string, string | number>> = [];
for (const path of paths) {
  const perKb = await microsPerKb(path);
  bodyRows.push({ body_path: path, ...Object.fromEntries(SIZES.map((size, i) => [kb(size), perKb[i]!])), '1 MB / 100 KB': perKb[2]! / perKb[1]! });
}
console.log('\nAI proxy body paths on QuickJS, µs per KB of body (stress bodies; linear code keeps the last column near 1)');
console.log(formatTable(bodyRows));
