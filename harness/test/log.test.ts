/**
 * `proxy_log` and `proxy_get_log_level` (reference §3 LogLevel, §4): each level lands where it should,
 * out-of-range levels and bad pointers are refused without logging, and the reported level follows the
 * `logLevel` option.
 */
import { describe, expect, it } from 'vitest';
import { createHost, type HostOptions } from '../src/index.ts';
import { LOG_LEVEL_NAMES, type LogLevelName } from '../../facts/proxy-wasm/enums.ts';
import { guest } from './support/wat.ts';
import { u32, u32s } from './support/memory.ts';


async function onVmStart(body: string, options: Partial<HostOptions> = {}) {
  const module = guest({
    imports: ['proxy_log', 'proxy_get_log_level'],
    strings: { msg: 'message', l0: 'L0', l1: 'L1', l2: 'L2', l3: 'L3', l4: 'L4', l5: 'L5' },
    body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)\n${body}\n    (i32.const 1))`,
  });
  const host = await createHost({ module, canary: false, ...options });
  return { host, vm: host.workers[0]! };
}

const logAt = (level: number, slot: number, name = 'msg') =>
  `    (i32.store (i32.const ${slot}) (call $proxy_log (i32.const ${level}) (global.get $${name}) (global.get $${name}_len)))`;

describe('proxy_log (ref §3, §4)', () => {
  it('logs levels 0..5 as trace, debug, info, warn, error, critical (ref §3 LogLevel)', async () => {
    const { host, vm } = await onVmStart([0, 1, 2, 3, 4, 5].map((l) => logAt(l, 100 + l * 4, `l${l}`)).join('\n'));
    expect(u32s(vm, 100, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    const plugin = host.logs.entries.filter((e) => e.source === 'plugin');
    expect(plugin.map((e) => [e.level, e.message])).toEqual([
      ['trace', 'L0'],
      ['debug', 'L1'],
      ['info', 'L2'],
      ['warn', 'L3'],
      ['error', 'L4'],
      ['critical', 'L5'],
    ]);
    for (const [i, level] of LOG_LEVEL_NAMES.entries()) expect(host.logs.messages(level)).toEqual([`L${i}`]);
  });

  it('returns BadArgument for level 6 and above, logging nothing (ref §3)', async () => {
    const { host, vm } = await onVmStart([logAt(6, 100), logAt(7, 104), logAt(-1, 108)].join('\n'));
    expect(u32s(vm, 100, 3)).toEqual([2, 2, 2]);
    expect(host.logs.messages()).toEqual([]);
  });

  it('returns InvalidMemoryAccess for a message outside memory, logging nothing (ref §4)', async () => {
    const { host, vm } = await onVmStart(`
    (i32.store (i32.const 100) (call $proxy_log (i32.const 2) (i32.const 131070) (i32.const 4)))
    (i32.store (i32.const 104) (call $proxy_log (i32.const 2) (i32.const -1) (i32.const 1)))
    (i32.store (i32.const 108) (call $proxy_log (i32.const 4) (i32.const 16) (i32.const -1)))`);
    expect(u32s(vm, 100, 3)).toEqual([6, 6, 6]);
    expect(host.logs.entries.filter((e) => e.source === 'plugin')).toEqual([]);
  });

  it('accepts a message that ends exactly at the end of memory (ref §4)', async () => {
    const { host, vm } = await onVmStart(`
    (memory.copy (i32.const 131068) (global.get $l5) (i32.const 2))
    (i32.store (i32.const 100) (call $proxy_log (i32.const 3) (i32.const 131068) (i32.const 2)))`);
    expect(u32(vm, 100)).toBe(0);
    expect(host.logs.messages('warn')).toEqual(['L5']);
  });

  it('keeps the guest running after a refused log call (ref §4)', async () => {
    const { host, vm } = await onVmStart([logAt(9, 100), logAt(2, 104)].join('\n'));
    expect(u32s(vm, 100, 2)).toEqual([2, 0]);
    expect(host.logs.messages('info')).toEqual(['message']);
    expect(vm.failure).toBeUndefined();
  });
});

describe('proxy_get_log_level (ref §3, §4)', () => {
  const readLevel = `
    (i32.store (i32.const 200) (i32.const -1))
    (i32.store (i32.const 100) (call $proxy_get_log_level (i32.const 200)))`;

  it.each(LOG_LEVEL_NAMES.map((name, value) => [name, value] as [LogLevelName, number]))(
    'reports logLevel %s as %i (ref §3 LogLevel)',
    async (logLevel, value) => {
      const { vm } = await onVmStart(readLevel, { logLevel });
      expect(u32s(vm, 100, 1)).toEqual([0]);
      expect(u32(vm, 200)).toBe(value);
    },
  );

  it('reports info (2) by default (ref §3)', async () => {
    const { vm } = await onVmStart(readLevel);
    expect(u32(vm, 200)).toBe(2);
  });

  it('returns InvalidMemoryAccess for an out-of-memory result pointer (ref §4)', async () => {
    const { vm } = await onVmStart('    (i32.store (i32.const 100) (call $proxy_get_log_level (i32.const 131070)))');
    expect(u32(vm, 100)).toBe(6);
  });

  it('answers the same in a request callback on every worker (ref §4)', async () => {
    const module = guest({
      imports: ['proxy_get_log_level'],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (i32.store (i32.const 100) (call $proxy_get_log_level (i32.const 200))) (i32.const 0))`,
    });
    const host = await createHost({ module, workers: 2, logLevel: 'debug' });
    for (const i of [0, 1]) {
      host.newHttpStream(i).sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
      expect(u32s(host.workers[i]!, 100, 1)).toEqual([0]);
      expect(u32(host.workers[i]!, 200)).toBe(1);
    }
  });
});
