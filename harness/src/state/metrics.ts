/**
 * Envoy stats defined by plugins (reference §4): ids carry the type in their low two bits (counters
 * 4, 8, …; gauges 5, 9, …; histograms 6, 10, …), counters only go up, histograms only record.
 */
import { MetricType, Status, type StatusCode } from '../abi/enums.ts';

export type MetricKind = 'counter' | 'gauge' | 'histogram';
const KINDS: MetricKind[] = ['counter', 'gauge', 'histogram'];

export interface Metric {
  id: number;
  name: string;
  kind: MetricKind;
  value: bigint;
  samples: bigint[];
}

export class Metrics {
  private readonly byId = new Map<number, Metric>();
  private readonly byName = new Map<string, Metric>();
  private nextIndex = 1;

  define(type: number, name: string): { status: StatusCode; id?: number } {
    if (type > MetricType.Histogram) return { status: Status.BadArgument };
    const key = `${type}\0${name}`;
    const existing = this.byName.get(key);
    if (existing) return { status: Status.Ok, id: existing.id };
    const metric: Metric = { id: (this.nextIndex++ << 2) | type, name, kind: KINDS[type]!, value: 0n, samples: [] };
    this.byId.set(metric.id, metric);
    this.byName.set(key, metric);
    return { status: Status.Ok, id: metric.id };
  }

  increment(id: number, delta: bigint): StatusCode {
    const metric = this.byId.get(id);
    if (!metric) return Status.NotFound;
    if (metric.kind === 'histogram') return Status.BadArgument;
    if (metric.kind === 'counter' && delta <= 0n) return Status.BadArgument;
    metric.value += delta;
    return Status.Ok;
  }

  record(id: number, value: bigint): StatusCode {
    const metric = this.byId.get(id);
    if (!metric) return Status.NotFound;
    if (metric.kind === 'counter') metric.value += value;
    else if (metric.kind === 'gauge') metric.value = value;
    else metric.samples.push(value);
    return Status.Ok;
  }

  get(id: number): { status: StatusCode; value?: bigint } {
    const metric = this.byId.get(id);
    if (!metric) return { status: Status.NotFound };
    if (metric.kind === 'histogram') return { status: Status.BadArgument };
    return { status: Status.Ok, value: metric.value };
  }

  all(): Metric[] {
    return [...this.byId.values()];
  }
}
