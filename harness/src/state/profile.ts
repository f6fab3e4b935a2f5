/**
 * Where time goes, for benchmarks (`createHost({ profile: true })`): nanoseconds and calls per guest
 * callback (outermost calls only) and per host function, so a benchmark can split a callback's time into
 * host (inside host functions) and guest (the rest). Costs a clock read per call; off by default.
 */

export interface ProfileEntry {
  calls: number;
  ns: number;
}

const ORIGIN = process.hrtime.bigint();

export class Profile {
  readonly callbacks = new Map<string, ProfileEntry>();
  readonly hostFunctions = new Map<string, ProfileEntry>();
  /** Host-function time spent inside each callback, by callback name. */
  readonly hostWithin = new Map<string, number>();
  /**
   * When set, every callback's and host function's start and end as `[label, ns]` in call order:
   * `>name`/`<name` around a callback, `+name`/`-name` around a host function (`bench/timeline.ts`).
   */
  timeline?: Array<[string, number]>;
  private current?: string;

  private static add(table: Map<string, ProfileEntry>, name: string, ns: number): void {
    const entry = table.get(name);
    if (entry) {
      entry.calls++;
      entry.ns += ns;
    } else table.set(name, { calls: 1, ns });
  }

  /** Times `run` as the outermost guest callback `name`. */
  callback<T>(name: string, run: () => T): T {
    const started = process.hrtime.bigint();
    this.timeline?.push([`>${name}`, Number(started - ORIGIN)]);
    this.current = name;
    try {
      return run();
    } finally {
      this.current = undefined;
      const ended = process.hrtime.bigint();
      this.timeline?.push([`<${name}`, Number(ended - ORIGIN)]);
      Profile.add(this.callbacks, name, Number(ended - started));
    }
  }

  /** Times host function `name`, run with the guest's arguments (passed on, so that a call makes no closure). */
  hostFunction<T>(name: string, run: (...args: unknown[]) => T, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown, h?: unknown, i?: unknown, j?: unknown, k?: unknown, l?: unknown): T {
    const started = process.hrtime.bigint();
    this.timeline?.push([`+${name}`, Number(started - ORIGIN)]);
    try {
      return run(a, b, c, d, e, f, g, h, i, j, k, l);
    } finally {
      const ended = process.hrtime.bigint();
      this.timeline?.push([`-${name}`, Number(ended - ORIGIN)]);
      const ns = Number(ended - started);
      Profile.add(this.hostFunctions, name, ns);
      if (this.current) this.hostWithin.set(this.current, (this.hostWithin.get(this.current) ?? 0) + ns);
    }
  }

  clear(): void {
    this.callbacks.clear();
    this.hostFunctions.clear();
    this.hostWithin.clear();
  }
}
