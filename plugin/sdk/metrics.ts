/** Envoy stats defined by the plugin: counters, gauges and histograms, looked up by name once. */
import * as host from './host-calls.ts';
import { MetricType, raise, Status } from './abi.ts';

function define(type: number, name: string): number {
  const id = host.defineMetric(type, name) as number;
  if (id < 0) raise(`define metric "${name}"`, -id);
  return id;
}

export class Counter {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = define(MetricType.Counter, name);
  }
  increment(by = 1): void {
    const status = host.incrementMetric(this.id, by);
    if (status !== Status.Ok) raise(`increment "${this.name}"`, status);
  }
  value(): number {
    return host.getMetric(this.id) as number;
  }
}

export class Gauge {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = define(MetricType.Gauge, name);
  }
  set(value: number): void {
    const status = host.recordMetric(this.id, value);
    if (status !== Status.Ok) raise(`set "${this.name}"`, status);
  }
  add(delta: number): void {
    const status = host.incrementMetric(this.id, delta);
    if (status !== Status.Ok) raise(`add to "${this.name}"`, status);
  }
  value(): number {
    return host.getMetric(this.id) as number;
  }
}

export class Histogram {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = define(MetricType.Histogram, name);
  }
  record(value: number): void {
    const status = host.recordMetric(this.id, value);
    if (status !== Status.Ok) raise(`record "${this.name}"`, status);
  }
}

const cache = new Map<string, Counter | Gauge | Histogram>();

/** The counter/gauge/histogram named `name`, defined on first use. */
export function metric<T extends Counter | Gauge | Histogram>(Kind: new (name: string) => T, name: string): T {
  const key = `${Kind.name}:${name}`;
  let found = cache.get(key) as T | undefined;
  if (!found) cache.set(key, (found = new Kind(name)));
  return found;
}
