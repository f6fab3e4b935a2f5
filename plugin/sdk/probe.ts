import * as host from './host-calls.ts';
const acc = new Map<string, number>();
let last = 0;
export function mark(label?: string): void {
  const t = host.getCurrentTimeNanoseconds() as number;
  if (label) acc.set(label, (acc.get(label) ?? 0) + (t - last));
  last = t;
}
export function probeReport(): string {
  return JSON.stringify([...acc.entries()]);
}
