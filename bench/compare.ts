/**
 * `npm run bench:compare -- before.wasm after.wasm …`: the non-streaming 1 KB chat exchange through each
 * AI-proxy module given, side by side with dist/passthrough.wasm, in interleaved rounds whose order
 * rotates; prints per module the minimum and p25 µs per exchange and both as ratios to the passthrough.
 * For before/after comparisons of the hot path: build the earlier commit's module into a file (e.g. from a
 * `git worktree` of it) and pass both; only modules measured in one run compare on this noisy machine.
 */
import { benchHost, chatExchange, interleaved } from './ai-proxy.ts';
import { formatTable, quantile } from './measure.ts';

const files = ['dist/passthrough.wasm', ...process.argv.slice(2).filter((arg) => arg.endsWith('.wasm'))];
if (files.length < 2) throw new Error('usage: npm run bench:compare -- <ai-proxy module .wasm> [more .wasm …]');
const rounds = Number(process.env.ROUNDS ?? 60);
const perRound = 100;
const hosts = await Promise.all(files.map((file) => benchHost(file)));
const { samples } = interleaved(hosts.map((host) => () => chatExchange(host)), perRound, rounds);
const base = { min: quantile(samples[0]!, 0), p25: quantile(samples[0]!, 0.25) };
console.log(`chat exchange, µs: ${rounds} interleaved rounds of ${perRound}, rotating order`);
console.log(formatTable(files.map((file, i) => {
  const min = quantile(samples[i]!, 0);
  const p25 = quantile(samples[i]!, 0.25);
  return { module: file, min_us: min, p25_us: p25, ratio_min: min / base.min, ratio_p25: p25 / base.p25 };
})));
