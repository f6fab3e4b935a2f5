/**
 * `npm run bench:timeline [-- module.wasm]`: where a 1 KB chat exchange's time goes between host calls.
 * A profiled run records every callback's and host function's start and end; over many exchanges, each
 * stretch between two such boundaries is reported as its p25 in µs, as guest (QuickJS, between host calls)
 * or host (inside a host function, the harness's emulation included). A build with marker host calls
 * placed in the source splits a long guest stretch further. Timing adds a clock read per boundary.
 */
import { benchHost, chatExchange } from './ai-proxy.ts';
import { quantile } from './measure.ts';

const file = process.argv.slice(2).find((arg) => arg.endsWith('.wasm')) ?? 'dist/ai-proxy.wasm';
const exchanges = Number(process.env.EXCHANGES ?? 3000);
const host = await benchHost(file, true);
for (let i = 0; i < 300; i++) chatExchange(host);
const runs: Array<Array<[string, number]>> = [];
for (let i = 0; i < exchanges; i++) {
  host.profile!.timeline = [];
  chatExchange(host);
  runs.push(host.profile!.timeline);
}
host.profile!.timeline = undefined;
const shape = runs[0]!.map(([label]) => label).join(' ');
const same = runs.filter((run) => run.map(([label]) => label).join(' ') === shape);
const short = (label: string) => label.slice(1).replace('proxy_on_', '').replace('env.proxy_', '');
let guest = 0;
let hosted = 0;
console.log(`${file}: ${same.length} of ${exchanges} exchanges with the same sequence of boundaries; p25 µs per stretch`);
for (let k = 1; k < runs[0]!.length; k++) {
  const [from] = runs[0]![k - 1]!;
  const [to] = runs[0]![k]!;
  if (from.startsWith('<')) continue;
  const us = quantile(same.map((run) => run[k]![1] - run[k - 1]![1]), 0.25) / 1000;
  const inHost = from.startsWith('+');
  if (inHost) hosted += us;
  else guest += us;
  console.log(`${inHost ? 'host ' : 'guest'} ${us.toFixed(2).padStart(7)}  ${inHost ? short(from) : `${from.startsWith('>') ? 'start of ' : 'after '}${short(from)} → ${to.startsWith('<') ? 'end of callback' : short(to)}`}`);
}
console.log(`sum of p25s: guest ${guest.toFixed(1)} µs, host ${hosted.toFixed(1)} µs`);
