/**
 * Envoy stats defined by plugins (reference §4, Envoy `Context::defineMetric` and friends). The stat
 * itself is process-wide and found by name; ids belong to one VM instance: each define hands out the
 * next id of its type's sequence (counters 4, 8, …; gauges 5, 9, …; histograms 6, 10, …), even for a name
 * defined before (the new id then aliases the same stat). The low two bits of an id give its type, which
 * decides the answer before the id is looked up: counters only go up, histograms only record.
 */
import { MetricType, Status, type StatusCode } from '../../../facts/proxy-wasm/enums.ts';

export type MetricKind = 'counter' | 'gauge' | 'histogram';
const KINDS: MetricKind[] = ['counter', 'gauge', 'histogram'];

export interface Metric {
  name: string;
  kind: MetricKind;
  value: bigint;
  samples: bigint[];
}

interface VmIds {
  next: [number, number, number];
  byId: Map<number, Metric>;
}

export class Metrics {
  private readonly byName = new Map<string, Metric>();
  private readonly vms = new Map<number, VmIds>();

  private ids(vm: number): VmIds {
    let ids = this.vms.get(vm);
    if (!ids) this.vms.set(vm, (ids = { next: [0, 1, 2], byId: new Map() }));
    return ids;
  }

  define(vm: number, type: number, name: string): { status: StatusCode; id?: number } {
    if (type > MetricType.Histogram) return { status: Status.BadArgument };
    const kind = KINDS[type]!;
    const key = `${kind}\0${name}`;
    let metric = this.byName.get(key);
    if (!metric) this.byName.set(key, (metric = { name, kind, value: 0n, samples: [] }));
    const ids = this.ids(vm);
    const id = (ids.next[type] += 4);
    ids.byId.set(id, metric);
    return { status: Status.Ok, id };
  }

  increment(vm: number, id: number, delta: bigint): StatusCode {
    const kind = KINDS[id & 3];
    if (kind !== 'counter' && kind !== 'gauge') return Status.BadArgument;
    const metric = this.ids(vm).byId.get(id);
    if (!metric) return Status.NotFound;
    if (kind === 'counter' && delta <= 0n) return Status.BadArgument;
    metric.value = BigInt.asUintN(64, metric.value + delta);
    return Status.Ok;
  }

  record(vm: number, id: number, value: bigint): StatusCode {
    const metric = this.ids(vm).byId.get(id);
    if (!metric) return Status.NotFound;
    if (metric.kind === 'counter') metric.value = BigInt.asUintN(64, metric.value + value);
    else if (metric.kind === 'gauge') metric.value = value;
    else metric.samples.push(value);
    return Status.Ok;
  }

  get(vm: number, id: number): { status: StatusCode; value?: bigint } {
    const kind = KINDS[id & 3];
    if (kind !== 'counter' && kind !== 'gauge') return { status: Status.BadArgument };
    const metric = this.ids(vm).byId.get(id);
    if (!metric) return { status: Status.NotFound };
    return { status: Status.Ok, value: metric.value };
  }

  /** The stat of that name (the first of any kind when `kind` is not given). */
  find(name: string, kind?: MetricKind): Metric | undefined {
    return this.all().find((m) => m.name === name && (!kind || m.kind === kind));
  }

  all(): Metric[] {
    return [...this.byName.values()];
  }
}
