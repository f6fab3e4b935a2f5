/**
 * Plugin metrics through a real WAT guest (reference §4 proxy_define/increment/record/get_metric, Envoy
 * `Context::defineMetric` and friends): id sequences per type, BadArgument cases, counter/gauge/histogram
 * semantics, re-definition, ids per VM with stats shared by name, and `host.metrics`.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { guest } from './support/wat.ts';
import { workerSlot } from './support/memory.ts';

const define = (slot: number, type: number, name: string) => `
    (call $set (i32.const ${slot}) (call $proxy_define_metric (i32.const ${type}) (global.get $${name}) (global.get $${name}_len) (i32.const 512)))
    (call $set (i32.const ${slot + 1}) (call $load32 (i32.const 512)))`;
const id = (slot: number) => `(call $get (i32.const ${slot}))`;
const op = (slot: number, fn: string, metric: string, value: number) =>
  `(call $set (i32.const ${slot}) (call $proxy_${fn}_metric ${metric} (i64.const ${value})))`;
const read = (slot: number, metric: string, at: number) => `(call $set (i32.const ${slot}) (call $proxy_get_metric ${metric} (i32.const ${at})))`;

const metrics = guest({
  imports: ['proxy_define_metric', 'proxy_increment_metric', 'proxy_record_metric', 'proxy_get_metric'],
  strings: { requests: 'requests', errors: 'errors', active: 'active', queued: 'queued', latency: 'latency', size: 'size', bad: 'bad' },
  body: `
  (func $set (param $slot i32) (param $v i32) (i32.store (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2))) (local.get $v)))
  (func $get (param $slot i32) (result i32) (i32.load (i32.add (i32.const 768) (i32.shl (local.get $slot) (i32.const 2)))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    ${define(0, 0, 'requests')} ${define(2, 0, 'errors')}
    ${define(4, 1, 'active')} ${define(6, 1, 'queued')}
    ${define(8, 2, 'latency')} ${define(10, 2, 'size')}
    (call $set (i32.const 12) (call $proxy_define_metric (i32.const 3) (global.get $bad) (global.get $bad_len) (i32.const 512)))
    ${define(13, 0, 'requests')}
    ${op(15, 'increment', id(1), 0)} ${op(16, 'increment', id(1), -1)} ${op(17, 'increment', id(1), 3)} ${op(18, 'record', id(1), 2)}
    ${read(19, id(1), 960)}
    ${op(20, 'increment', id(5), 10)} ${op(21, 'increment', id(5), -3)} ${read(22, id(5), 968)}
    ${op(23, 'record', id(5), 42)} ${read(24, id(5), 976)}
    ${op(25, 'record', id(9), 123)} ${read(26, id(9), 992)} ${op(27, 'increment', id(9), 1)}
    ${op(30, 'increment', id(14), 1)} ${read(31, id(1), 984)}
    ${op(32, 'increment', '(i32.const 400)', 1)}
    (i32.const 0))`,
});

async function run(workers = 1): Promise<Host> {
  const host = await createHost({ module: metrics, workers });
  for (let w = 0; w < workers; w++) host.newHttpStream(w).sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
  return host;
}

const u64 = (host: Host, at: number) => new DataView(host.workers[0]!.memory.read(at, 8).buffer).getBigUint64(0, true);

describe('metrics (ref §4)', () => {
  it('hands out ids by type: counters 4, 8; gauges 5, 9; histograms 6, 10 (ref §4)', async () => {
    const host = await run();
    expect([0, 2, 4, 6, 8, 10].map((i) => workerSlot(host, i))).toEqual([0, 0, 0, 0, 0, 0]);
    expect([1, 3, 5, 7, 9, 11].map((i) => workerSlot(host, i))).toEqual([4, 8, 5, 9, 6, 10]);
  });

  it('rejects metric type 3 with BadArgument (ref §4)', async () => {
    const host = await run();
    expect(workerSlot(host, 12)).toBe(2);
    expect(host.metrics.find('bad')).toBeUndefined();
  });

  it('rejects a counter increment ≤ 0 with BadArgument; record on a counter adds (ref §4)', async () => {
    const host = await run();
    expect([15, 16, 17, 18, 19].map((i) => workerSlot(host, i))).toEqual([2, 2, 0, 0, 0]);
    expect(u64(host, 960)).toBe(5n);
  });

  it('adds to and subtracts from a gauge; record sets it (ref §4)', async () => {
    const host = await run();
    expect([20, 21, 22, 23, 24].map((i) => workerSlot(host, i))).toEqual([0, 0, 0, 0, 0]);
    expect([u64(host, 968), u64(host, 976)]).toEqual([7n, 42n]);
    expect(host.metrics.find('active')).toMatchObject({ kind: 'gauge', value: 42n });
  });

  it('records histogram samples; get and increment on a histogram are BadArgument (ref §4)', async () => {
    const host = await run();
    expect([25, 26, 27].map((i) => workerSlot(host, i))).toEqual([0, 2, 2]);
    expect(host.metrics.find('latency')).toMatchObject({ kind: 'histogram', samples: [123n] });
    expect(host.metrics.find('size')!.samples).toEqual([]);
  });

  it('answers NotFound for an id never defined (Envoy Context::incrementMetric)', async () => {
    const host = await run();
    expect(workerSlot(host, 32)).toBe(1);
  });

  it('gives a name defined again the next id, aliasing the same stat (Envoy Context::defineMetric)', async () => {
    const host = await run();
    expect([workerSlot(host, 13), workerSlot(host, 14), workerSlot(host, 30), workerSlot(host, 31)]).toEqual([0, 12, 0, 0]);
    expect(u64(host, 984)).toBe(6n);
    expect(host.metrics.all().filter((m) => m.name === 'requests')).toEqual([{ name: 'requests', kind: 'counter', value: 6n, samples: [] }]);
  });

  it('numbers ids per VM while the stat is shared by name across workers (ref §4)', async () => {
    const host = await run(2);
    expect([workerSlot(host, 1, 0), workerSlot(host, 1, 1)]).toEqual([4, 4]);
    expect(host.metrics.find('requests', 'counter')!.value).toBe(12n);
  });
});
