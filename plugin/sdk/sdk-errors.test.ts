/**
 * SDK failure containment, observed from the proxy: a JavaScript exception in any handler (sync hook,
 * async hook after a callout, callout handler) is logged at error level with the hook's name and the stack,
 * the stream gets what the root's `onHookError` answers — here an OpenAI-shaped 500 `plugin_error`, or the
 * SDK's default JSON 500 (details `wasm_plugin_exception` either way) — unless the context is fail-open,
 * the upstream is not contacted for request-side failures, and the VM keeps serving.
 * onConfigure failures reject the start; onTick failures are logged and ticks continue. Both the built
 * `.wasm` (QuickJS) and the same bundle on V8 are checked.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { PluginLoadError, createHost, type Host } from '../../harness/src/index.ts';
import { LogStore } from '../../harness/src/state/logs.ts';
import type { UpstreamRequest, UpstreamResponse } from '../../harness/src/callouts/upstream.ts';
import { MODES, buildPlugin, pluginSource, type BuiltPlugin } from '../test-support/build-plugin.ts';

const ENTRY = fileURLToPath(new URL('./test-plugins/errors/main.ts', import.meta.url));
const encoder = new TextEncoder();

function reply(status: number, body: string, headers: Array<[string, string]> = []): UpstreamResponse {
  const bytes = encoder.encode(body);
  return { status, headers: [['content-length', String(bytes.length)], ...headers], chunks: [bytes], trailers: [] };
}

function request(fail?: string, extra: Record<string, string> = {}) {
  return { ':method': 'POST', ':path': '/v1/chat', ':authority': 'api.local', ...(fail ? { 'x-fail': fail } : {}), ...extra };
}

describe.each(MODES)('SDK error containment (%s)', (mode) => {
  let plugin: BuiltPlugin;
  let upstreamCalls: UpstreamRequest[];
  const upstream = (req: UpstreamRequest) => (upstreamCalls.push(req), reply(200, '{"ok":true}', [['content-type', 'application/json']]));

  beforeAll(async () => {
    plugin = await buildPlugin(ENTRY);
  });

  async function start(pluginConfig?: object): Promise<Host> {
    upstreamCalls = [];
    return createHost({
      ...pluginSource(plugin, mode),
      pluginConfig,
      clusters: { auth: () => reply(200, 'allowed'), upstream },
    });
  }

  async function expectServedNormally(host: Host): Promise<void> {
    const before = upstreamCalls.length;
    const next = await host.exchange({ headers: request(), body: '{"n":1}' });
    expect(next.status).toBe(200);
    expect(next.client.json()).toEqual({ ok: true });
    expect(next.client.header('x-plugin-mode')).toBe('none');
    expect(upstreamCalls.length).toBe(before + 1);
    expect(host.workers[0]!.failure).toBeUndefined();
    expect(host.logs.hostMessages('error')).toEqual([]);
  }

  function expectPluginError(result: Awaited<ReturnType<Host['exchange']>>): void {
    expect(result.status).toBe(500);
    expect(result.client.header('content-type')).toBe('application/json');
    const body = result.client.json() as { error: Record<string, unknown> };
    expect(body.error.type).toBe('plugin_error');
    expect(typeof body.error.message).toBe('string');
    expect(result.stream.localReply?.details).toBe('wasm_plugin_exception');
  }

  function errorLine(host: Host, hook: string): string {
    const lines = host.logs.messages('error').filter((line) => line.includes(hook));
    expect(lines, `an error line naming ${hook} in ${JSON.stringify(host.logs.messages())}`).toHaveLength(1);
    return lines[0]!;
  }

  const requestSide: Array<[string, string, string, string]> = [
    ['request-headers', 'onRequestHeaders', 'explodeInRequestHeaders', 'Error: request headers exploded'],
    ['request-body', 'onRequestBody', 'explodeInRequestBody', 'TypeError: request body exploded'],
    ['async-reject', 'onRequestHeaders', 'rejectAfterCallout', 'Error: rejected after a callout answered 200'],
    ['callout-handler', 'callout handler', 'explodeInCalloutHandler', 'Error: callout handler exploded on 200'],
  ];

  it.each(requestSide)('a throw in %s answers 500 without contacting the upstream', async (fail, hook, fn, message) => {
    const host = await start();
    const result = await host.exchange({ headers: request(fail), body: ['{"a":', '1}'] });
    expectPluginError(result);
    expect(result.upstream).toBeUndefined();
    expect(upstreamCalls).toEqual([]);
    const line = errorLine(host, hook);
    expect(line).toContain(message);
    expect(line).toContain(fn);
    expect(line.split('\n').length).toBeGreaterThan(1);
    await expectServedNormally(host);
  });

  it.each([
    ['deep-recursion', 'recurseWithoutEnd'],
    ['deep-regex', 'compileDeepRegex'],
  ])('%s exhausts the stack as a catchable error: 500, not a failed VM', async (fail, fn) => {
    const host = await start();
    const result = await host.exchange({ headers: request(fail), body: '{}' });
    expectPluginError(result);
    expect(errorLine(host, 'onRequestHeaders')).toContain(fn);
    await expectServedNormally(host);
  });

  it("answers the SDK's default reply when the plugin keeps the default policy", async () => {
    const host = await start();
    const result = await host.exchange({ headers: request('request-headers', { 'x-default-policy': '1' }), body: '{}' });
    expect(result.status).toBe(500);
    expect(result.client.header('content-type')).toBe('application/json');
    expect(result.client.json()).toEqual({ error: { code: 'plugin_exception', message: 'the gateway plugin failed while handling this request' } });
    expect(result.stream.localReply?.details).toBe('wasm_plugin_exception');
    expect(result.upstream).toBeUndefined();
    await expectServedNormally(host);
  });

  it('lets the stream pass, and logs both errors, when the hook-error policy itself throws', async () => {
    const host = await start();
    const result = await host.exchange({ headers: request('request-headers', { 'x-policy-throws': '1' }), body: '{}' });
    expect(result.status).toBe(200);
    expect(upstreamCalls).toHaveLength(1);
    expect(errorLine(host, 'onHookError')).toContain('the policy exploded too');
    expect(errorLine(host, 'onRequestHeaders')).toContain('request headers exploded');
    await expectServedNormally(host);
  });

  it('a throw in onResponseHeaders before the response started answers 500 to the client', async () => {
    const host = await start();
    const result = await host.exchange({ headers: request('response-headers'), body: '{}' });
    expectPluginError(result);
    expect(upstreamCalls).toHaveLength(1);
    expect(result.client.text).not.toContain('"ok"');
    const line = errorLine(host, 'onResponseHeaders');
    expect(line).toContain('Error: response headers exploded');
    expect(line).toContain('explodeInResponseHeaders');
    await expectServedNormally(host);
  });

  it.each([...requestSide.map(([fail]) => fail), 'response-headers'])('fail-open: a throw in %s lets the stream pass unchanged', async (fail) => {
    const host = await start();
    const result = await host.exchange({ headers: request(fail, { 'x-fail-open': '1' }), body: ['{"a":', '1}'] });
    expect(result.status).toBe(200);
    expect(result.client.json()).toEqual({ ok: true });
    expect(result.stream.localReply).toBeUndefined();
    expect(new TextDecoder().decode(result.upstream!.body)).toBe('{"a":1}');
    expect(result.upstream!.headers).toContainEqual(['x-fail', fail]);
    expect(host.logs.messages('error').some((line) => line.includes('threw'))).toBe(true);
    await expectServedNormally(host);
  });

  it('a callout handler that throws on the response side answers 500 (not fail-open)', async () => {
    const host = await start();
    const result = await host.exchange({ headers: request('response-callout-handler'), body: '{}' });
    expectPluginError(result);
    expect(errorLine(host, 'callout handler')).toContain('explodeInCalloutHandler');
    await expectServedNormally(host);
  });

  it('fail-open: a callout handler that throws on the response side resumes the response', async () => {
    const host = await start();
    const result = await host.exchange({ headers: request('response-callout-handler', { 'x-fail-open': '1' }), body: '{}' });
    expect(result.status).toBe(200);
    expect(result.client.json()).toEqual({ ok: true });
    await expectServedNormally(host);
  });

  it('a throw in createHttpContext answers the stream 500 instead of letting it through unfiltered', async () => {
    const host = await start({ failCreate: true });
    const result = await host.exchange({ headers: request(), body: '{}' });
    expect(errorLine(host, 'context creation')).toContain('explodeInCreateHttpContext');
    expectPluginError(result);
    expect(upstreamCalls).toEqual([]);
    await expectServedNormally(host);
  });

  it('a throwing onConfigure makes createHost reject and is logged with its stack', async () => {
    const added = vi.spyOn(LogStore.prototype, 'add');
    try {
      await expect(start({ failConfigure: true })).rejects.toThrow(PluginLoadError);
      await expect(start({ failConfigure: true })).rejects.toThrow(/proxy_on_configure returned false/);
      const errors = added.mock.calls.map(([entry]) => entry).filter((e) => e.source === 'plugin' && e.level === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.message).toMatch(/^onConfigure threw: Error: configure exploded\n/);
      expect(errors[0]!.message).toContain('explodeInConfigure');
    } finally {
      added.mockRestore();
    }
  });

  it('a throwing onTick is logged with its stack and ticks keep coming', async () => {
    const host = await start({ tickMs: 100 });
    host.advanceTime(350);
    const ticks = host.logs.messages('info').filter((line) => /^tick \d+$/.test(line));
    expect(ticks).toEqual(['tick 1', 'tick 2', 'tick 3']);
    const errors = host.logs.messages('error').filter((line) => line.startsWith('onTick threw'));
    expect(errors).toHaveLength(3);
    expect(errors[2]).toContain('tick 3 exploded');
    expect(errors[2]).toContain('explodeInTick');
    expect(host.workers[0]!.failure).toBeUndefined();
    await expectServedNormally(host);
  });
});
