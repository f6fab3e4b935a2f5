/** Timing helpers for the benchmarks: warm up, then report the minimum of timed rounds (this machine is noisy: the fastest round is the one least disturbed). */

/** Microseconds per call of `run`: the minimum over `rounds` rounds of `perRound` calls. */
export function microsPerCall(run: () => void, perRound: number, rounds = 15): number {
  for (let i = 0; i < Math.min(perRound, 200); i++) run();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let i = 0; i < perRound; i++) run();
    samples.push(((performance.now() - started) * 1000) / perRound);
  }
  return Math.min(...samples);
}

/** The `q` quantile (0 = minimum) of `values`, by rank. */
export function quantile(values: number[], q: number): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)]!;
}

export function formatTable(rows: Array<Record<string, string | number>>): string {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? ''))))].join('\n');
}

/** The plugin's own time in a profiled run, µs: its callbacks less the host functions they called (the harness's I/O among them). */
export function guestMicros(profile: { callbacks: Map<string, { ns: number }>; hostWithin: Map<string, number> }): number {
  let ns = 0;
  for (const e of profile.callbacks.values()) ns += e.ns;
  for (const v of profile.hostWithin.values()) ns -= v;
  return ns / 1000;
}

/** Prints `title` and a table of `rows` plus `extra`: a row, or the one line saying why it was skipped. */
export function printRows(title: string, rows: Array<Record<string, string | number>>, extra: Record<string, string | number> | string): void {
  console.log(title);
  if (typeof extra === 'string') console.log(extra);
  else rows.push(extra);
  console.log(formatTable(rows));
}
