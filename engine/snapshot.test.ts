/**
 * Pre-initialisation (DESIGN §2.3): top-level plugin code runs at build time, so a host call there, a
 * missing dispatcher or a throwing bundle fails the build with the reason; the baked module restores the
 * captured state without running the bundle again.
 */
import { describe, expect, it } from 'vitest';
import { Callback, HostFn } from './glue-abi.ts';
import { linkEngine } from './assemble.ts';
import { bake, nonZeroRuns } from './bake.ts';
import { preinitialize } from './snapshot.ts';
import { createHost } from '../harness/src/index.ts';

const engine = await linkEngine('higress');
const dispatcher = 'globalThis.__proxy_dispatch = function () { return 0; };';

describe('preinitialize', () => {
  it('fails the build when top-level code calls the host, naming the call', () => {
    const bundle = `${dispatcher} __host[${HostFn.getProperty}](new ArrayBuffer(4));`;
    expect(() => preinitialize(engine, bundle, 'bad.js')).toThrow(/env\.proxy_get_property was called while the plugin's top-level code ran at build time/);
  });

  it('fails the build when the bundle defines no dispatcher', () => {
    expect(() => preinitialize(engine, 'var x = 1;', 'empty.js')).toThrow('the bundle did not define globalThis.__proxy_dispatch (found undefined)');
  });

  it('fails the build with the exception a throwing bundle raised', () => {
    expect(() => preinitialize(engine, 'throw new TypeError("boom at load")', 'throws.js')).toThrow('evaluating throws.js threw: TypeError: boom at load');
  });

  it('keeps top-level state: the baked module answers from it without evaluating the bundle again', async () => {
    const bundle = `var started = 0; started++; globalThis.__proxy_dispatch = function (kind) {
      if (kind === ${Callback.RequestHeaders}) { __host[${HostFn.log}](2, 'top-level ran ' + started + ' time(s)'); }
      return kind === ${Callback.VmStart} || kind === ${Callback.Configure} ? 1 : 0; };`;
    const snapshot = preinitialize(engine, bundle, 'state.js');
    const host = await createHost({ module: bake(engine, snapshot), workers: 2 });
    host.newHttpStream(0).sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
    host.newHttpStream(1).sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
    expect(host.logs.messages('info')).toEqual(['top-level ran 1 time(s)', 'top-level ran 1 time(s)']);
  });
});

describe('nonZeroRuns', () => {
  it('keeps every non-zero byte and merges runs separated by short zero gaps', () => {
    const memory = new Uint8Array(1000);
    memory.set([1, 2], 10);
    memory.set([3], 40);
    memory.set([4], 500);
    const runs = nonZeroRuns(memory);
    expect(runs.map((r) => [r.offset, r.data.length])).toEqual([
      [10, 31],
      [500, 1],
    ]);
    const rebuilt = new Uint8Array(1000);
    for (const run of runs) rebuilt.set(run.data, run.offset);
    expect(rebuilt).toEqual(memory);
  });
});
