/** Envoy stats defined by the plugin: counters, gauges and histograms, looked up by name once. */
import { HostFn, MetricType, call, check } from './abi.ts';

function define(type: number, name: string): number {
  const id = call(HostFn.defineMetric, type, name) as number;
  if (id < 0) check(`define metric "${name}"`, -id);
  return id;
}

export class Counter {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = define(MetricType.Counter, name);
  }
  increment(by = 1): void {
    check(`increment "${this.name}"`, call(HostFn.incrementMetric, this.id, by));
  }
  value(): number {
    return call(HostFn.getMetric, this.id) as number;
  }
}

export class Gauge {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = define(MetricType.Gauge, name);
  }
  set(value: number): void {
    check(`set "${this.name}"`, call(HostFn.recordMetric, this.id, value));
  }
  add(delta: number): void {
    check(`add to "${this.name}"`, call(HostFn.incrementMetric, this.id, delta));
  }
  value(): number {
    return call(HostFn.getMetric, this.id) as number;
  }
}

export class Histogram {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = define(MetricType.Histogram, name);
  }
  record(value: number): void {
    check(`record "${this.name}"`, call(HostFn.recordMetric, this.id, value));
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
