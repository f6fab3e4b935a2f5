/**
 * SDK host services, observed from the proxy: properties (request attributes, int64 response code, filter
 * state written and read back), shared data with CAS across two workers, shared queues with onQueueReady,
 * metrics as the host records them, ticks on the virtual clock, randomness that differs between calls and
 * between VMs started from the same snapshot, `now()` following the virtual clock, log levels, and UTF-8
 * round trips of non-ASCII text split across body chunks. Both the built `.wasm` (QuickJS) and the same
 * bundle on V8 are checked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createHost, type Host, type HostOptions } from '../../harness/src/index.ts';
import type { UpstreamRequest, UpstreamResponse } from '../../harness/src/callouts/upstream.ts';
import { MODES, buildPlugin, pluginSource, type BuiltPlugin } from '../test-support/build-plugin.ts';

const ENTRY = fileURLToPath(new URL('./test-plugins/host-services/main.ts', import.meta.url));
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const;

function upstream(req: UpstreamRequest): UpstreamResponse {
  const props = req.headers.find(([k]) => k === 'x-props')?.[1] ?? '{}';
  return { status: 201, headers: [['content-length', String(props.length)]], chunks: [new TextEncoder().encode(props)], trailers: [] };
}

describe.each(MODES)('SDK host services (%s)', (mode) => {
  let plugin: BuiltPlugin;
  beforeAll(async () => {
    plugin = await buildPlugin(ENTRY);
  });

  const start = (options: Partial<HostOptions> = {}): Promise<Host> =>
    createHost({ ...pluginSource(plugin, mode), pluginName: 'sdk-host', clusters: { upstream }, ...options });

  /** Runs one `x-op` request on `worker` and returns the JSON body of the plugin's answer. */
  async function op(host: Host, name: string, worker = 0, extra: Record<string, string> = {}): Promise<any> {
    const result = await host.exchange({ headers: { ':method': 'GET', ':path': `/${name}`, ':authority': 'svc', 'x-op': name, ...extra } }, { worker });
    expect(result.status, result.client.text).toBe(200);
    expect(result.stream.localReply?.details).toBe(`sdk_${name}`);
    return result.client.json();
  }

  it('reads request attributes, the int64 response code, and filter state it wrote', async () => {
    const host = await start();
    const result = await host.exchange({ headers: { ':method': 'GET', ':path': '/v1/items?x=1', ':authority': 'svc', 'x-op': 'props', 'x-note': 'héllo' } });
    expect(result.client.json()).toEqual({ path: '/v1/items?x=1', note: 'héllo', plugin: 'sdk-host' });
    expect(result.client.header('x-code')).toBe('201');
    expect(new TextDecoder().decode(result.stream.filterState.get('wasm.sdk_note'))).toBe('héllo');
  });

  it('reads int64 and bool attributes typed, and the plugin configuration only while configuring', async () => {
    const host = await start({ pluginConfig: '{"tickMs":0}' });
    expect(await op(host, 'typed-props')).toEqual({ connectionId: expect.stringMatching(/^\d+$/), mtls: false, notBoolean: null, missing: null, config: '', configBuffer: 'absent' });
  });

  it.each([
    ['answers', (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('ok'), { failed: false, status: 200, failure: null }],
    [
      'resets after its headers',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      { failed: true, status: 0, failure: { code: 11, message: 'reset' } },
    ],
  ] as const)('a callout whose server %s reaches the handler with its status and, when failed, the reason', async (_name, handler, expected) => {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const host = await start({ clusters: { upstream, auth: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } });
      expect(await op(host, 'callout')).toEqual(expected);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('closeStream resets the stream: the upstream is never asked and the client sees a reset', async () => {
    const host = await start();
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ':method': 'GET', ':path': '/close', ':authority': 'svc', 'x-op': 'close' }, true);
    expect(stream.client.reset).toBe('wasm_close_stream');
    expect(stream.upstream.headers).toBeUndefined();
    expect(stream.completed).toBe(true);
  });

  it('shares data between workers and refuses a write with a stale CAS', async () => {
    const host = await start({ workers: 2 });
    const key = { 'x-key': 'model' };
    expect(await op(host, 'shared-read', 0, key)).toEqual({ value: null, cas: null });
    expect(await op(host, 'shared-write', 0, { ...key, 'x-value': 'v1' })).toEqual({ ok: true });
    const seen0 = await op(host, 'shared-read', 0, key);
    const seen1 = await op(host, 'shared-read', 1, key);
    expect(seen0.value).toBe('v1');
    expect(seen1).toEqual(seen0);
    expect(seen0.cas).toBeGreaterThan(0);
    expect(await op(host, 'shared-write', 1, { ...key, 'x-value': 'v2' })).toEqual({ ok: true });
    expect(await op(host, 'shared-cas', 0, { ...key, 'x-value': 'v3' })).toEqual({ ok: false });
    expect((await op(host, 'shared-read', 1, key)).value).toBe('v2');
    const fresh = await op(host, 'shared-read', 0, key);
    expect(fresh.cas).not.toBe(seen0.cas);
    expect(await op(host, 'shared-cas', 0, { ...key, 'x-value': 'v3' })).toEqual({ ok: true });
    expect((await op(host, 'shared-read', 1, key)).value).toBe('v3');
  });

  it('enqueues on a shared queue and the registering root dequeues in onQueueReady', async () => {
    const host = await start({ workers: 2 });
    const first = await op(host, 'enqueue', 0, { 'x-item': 'job-1' });
    await host.idle();
    const second = await op(host, 'enqueue', 1, { 'x-item': 'job-2' });
    expect(first.queue).toEqual(expect.any(Number));
    expect(second.queue).toBe(first.queue);
    await host.idle();
    const ready = host.logs.entries.filter((e) => e.source === 'plugin' && e.message.startsWith('queue '));
    expect(ready.map((e) => e.message)).toEqual(['queue jobs ready: job-1', 'queue jobs ready: job-2']);
    expect(new Set(ready.map((e) => e.vm)).size).toBe(1);
    expect(host.workers.map((w) => w.index)).toContain(ready[0]!.vm);
  });

  it('records counters, gauges and histograms the host can read', async () => {
    const host = await start({ workers: 2 });
    expect(await op(host, 'metrics', 0, { 'x-by': '3', 'x-level': '10', 'x-latency': '42' })).toEqual({ counter: 3, gauge: 8 });
    expect(await op(host, 'metrics', 1, { 'x-by': '2', 'x-level': '7', 'x-latency': '5' })).toEqual({ counter: 5, gauge: 5 });
    expect(host.metrics.find('sdk_requests', 'counter')?.value).toBe(5n);
    expect(host.metrics.find('sdk_level', 'gauge')?.value).toBe(5n);
    expect(host.metrics.find('sdk_latency_ms', 'histogram')?.samples).toEqual([42n, 5n]);
  });

  it('ticks with the period set in onConfigure as the virtual clock moves', async () => {
    const host = await start({ workers: 2, pluginConfig: { tickMs: 100 } });
    host.advanceTime(99);
    expect(host.metrics.find('sdk_ticks')?.value ?? 0n).toBe(0n);
    host.advanceTime(151);
    expect(host.metrics.find('sdk_ticks', 'counter')?.value).toBe(4n);
    const worker0 = host.logs.entries.filter((e) => e.vm === host.workers[0]!.index && e.message.startsWith('tick '));
    const times = worker0.map((e) => Number(/^tick \d+ at (.+)$/.exec(e.message)![1]));
    expect(worker0.map((e) => e.message.split(' at ')[0])).toEqual(['tick 1', 'tick 2']);
    expect(times[1]! - times[0]!).toBeCloseTo(100, 2);
  });

  it('randomBytes differs between calls and between VMs started from the same snapshot', async () => {
    const [one, two] = [await start({ workers: 2 }), await start()];
    const answers = [await op(one, 'random', 0), await op(one, 'random', 1), await op(two, 'random', 0), await op(one, 'random', 0)];
    const values = answers.flatMap((a) => [a.a, a.b]);
    for (const v of values) expect(v).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(values).size).toBe(values.length);
    for (const a of answers) expect(a.int).toBeGreaterThanOrEqual(0);
    for (const a of answers) expect(a.int).toBeLessThan(1000);
  });

  it('now() is the wall clock and follows the virtual clock', async () => {
    const host = await start();
    const before = (await op(host, 'now')).now;
    expect(Math.abs(before - Date.now())).toBeLessThan(60_000);
    host.advanceTime(5000);
    const after = (await op(host, 'now')).now;
    expect(after - before).toBeCloseTo(5000, 2);
  });

  it('logs reach the host at their own level, and log.level() is the host level', async () => {
    const host = await start({ logLevel: 'trace' });
    expect(await op(host, 'log')).toEqual({ level: 'trace' });
    const lines = host.logs.entries.filter((e) => e.source === 'plugin' && e.message.startsWith('level '));
    expect(lines.map((e) => [e.level, e.message])).toEqual(LEVELS.map((l) => [l, `level ${l}`]));
    for (const level of LEVELS) expect(host.logs.messages(level)).toEqual([`level ${level}`]);
  });

  it('drops lines below the host level before they cross to the host', async () => {
    const host = await start({ logLevel: 'warn', profile: true });
    expect(await op(host, 'log')).toEqual({ level: 'warn' });
    const lines = host.logs.entries.filter((e) => e.source === 'plugin' && e.message.startsWith('level '));
    expect(lines.map((e) => e.level)).toEqual(['warn', 'error', 'critical']);
    expect(host.profile!.hostFunctions.get('env.proxy_log')?.calls).toBe(3);
  });

  it('a profile timeline holds each callback and host call it made, nested and in order of time', async () => {
    const host = await start({ logLevel: 'warn', profile: true });
    host.profile!.timeline = [];
    await op(host, 'log');
    const timeline = host.profile!.timeline;
    const headers = timeline.findIndex(([label]) => label === '>proxy_on_request_headers');
    const end = timeline.findIndex(([label]) => label === '<proxy_on_request_headers');
    expect(headers).toBeGreaterThanOrEqual(0);
    const inside = timeline.slice(headers + 1, end).map(([label]) => label);
    expect(inside.filter((label) => label.endsWith('proxy_log'))).toEqual(Array.from({ length: 3 }, () => ['+env.proxy_log', '-env.proxy_log']).flat());
    inside.forEach((label, i) => expect(label).toBe(i % 2 === 0 ? `+${inside[i + 1]!.slice(1)}` : `-${inside[i - 1]!.slice(1)}`));
    expect(timeline.every(([, ns], i) => i === 0 || ns >= timeline[i - 1]![1])).toBe(true);
  });

  it('decodeUtf8/encodeUtf8 round-trip non-ASCII text split inside a character', async () => {
    const host = await start();
    const text = 'héllo wörld — 你好 🎉 Ωμέγα';
    const bytes = Buffer.from(text, 'utf8');
    const cuts = [2, 14, 22, bytes.length - 12];
    const chunks = [0, ...cuts].map((from, i) => new Uint8Array(bytes.subarray(from, cuts[i] ?? bytes.length)));
    const result = await host.exchange({ headers: { ':method': 'POST', ':path': '/', ':authority': 'svc', 'x-op': 'utf8' }, body: chunks });
    expect(result.status).toBe(200);
    expect(result.client.json()).toMatchObject({ text, chars: [...text].length, bytes: bytes.length, hex: bytes.toString('hex'), same: true });
  });

  it('decodes invalid UTF-8 as TextDecoder does and never encodes invalid UTF-8', async () => {
    const host = await start();
    const invalid = [[0x61, 0xff, 0x62], [0xe4, 0xbd], [0x63, 0xed, 0xa0, 0x80, 0x64]].map((c) => new Uint8Array(c));
    const result = await host.exchange({ headers: { ':method': 'POST', ':path': '/', ':authority': 'svc', 'x-op': 'utf8' }, body: invalid });
    const answer = result.client.json() as { text: string; lone: string };
    expect(answer.text).toBe(new TextDecoder().decode(Buffer.concat(invalid)));
    expect(answer.lone).toBe(Buffer.from(new TextEncoder().encode('a\ud800b')).toString('hex'));
  });
});
