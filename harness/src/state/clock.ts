/**
 * The host's time: a virtual clock that tests move with `advance` (ticks fire as time passes), or real
 * time for a served gateway. Wall-clock and monotonic readings come from here for every VM.
 */

export interface Timer {
  periodMs: number;
  nextAtMs: number;
  fire: () => void;
}

export class Clock {
  private virtualOffsetMs = 0;
  private readonly startWallMs = Date.now();
  private readonly startMonoMs = performance.now();
  private readonly timers = new Set<Timer>();

  constructor(readonly mode: 'virtual' | 'real') {}

  private elapsedMs(): number {
    return this.mode === 'virtual' ? this.virtualOffsetMs : performance.now() - this.startMonoMs;
  }

  nowMs(): number {
    return this.elapsedMs();
  }

  /** Nanoseconds, exact to the nanosecond of elapsed time (the epoch base alone would lose precision in a double). */
  wallNs(): bigint {
    return BigInt(this.startWallMs) * 1_000_000n + BigInt(Math.round(this.elapsedMs() * 1e6));
  }

  monotonicNs(): bigint {
    return BigInt(Math.round((this.startMonoMs + this.elapsedMs()) * 1e6));
  }

  addTimer(timer: Timer): void {
    this.timers.add(timer);
  }

  removeTimer(timer: Timer): void {
    this.timers.delete(timer);
  }

  /** Moves virtual time forward, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    if (this.mode !== 'virtual') throw new Error('advance() needs the virtual clock');
    const target = this.virtualOffsetMs + ms;
    for (;;) {
      let due: Timer | undefined;
      for (const t of this.timers) if (t.nextAtMs <= target && (!due || t.nextAtMs < due.nextAtMs)) due = t;
      if (!due) break;
      this.virtualOffsetMs = Math.max(this.virtualOffsetMs, due.nextAtMs);
      due.nextAtMs += due.periodMs;
      due.fire();
    }
    this.virtualOffsetMs = target;
  }

  /** Fires due timers against real time; called by an interval while the host runs in real-time mode. */
  pollReal(): void {
    const now = this.elapsedMs();
    for (const t of [...this.timers]) {
      if (t.nextAtMs <= now) {
        t.nextAtMs = now + t.periodMs;
        t.fire();
      }
    }
  }
}
