/**
 * SDK stream behaviour, observed from the proxy: `bufferBody` on both directions (nothing forwarded before
 * the end, one completion with the whole body, the replaced body forwarded, `maxBytes` against Higress's
 * 32 KiB default, the same body on Envoy ≤1.32's lagging buffer sizes), `streamChunks` on an SSE response (each chunk forwarded as it arrives,
 * transformed, an empty last chunk replaced), header maps (first value, order, edits, replaceAll,
 * availability and HostError after forwarding), trailers, local replies, and resuming after a callout in
 * callback and promise form. Both the built `.wasm` (QuickJS) and the same bundle on V8 are checked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createHost, type Host, type HostOptions } from '../../harness/src/index.ts';
import type { UpstreamRequest, UpstreamResponse } from '../../harness/src/callouts/upstream.ts';
import { MODES, buildPlugin, pluginSource, type BuiltPlugin } from '../test-support/build-plugin.ts';

const entry = (name: string) => fileURLToPath(new URL(`./test-plugins/${name}/main.ts`, import.meta.url));
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);

function reply(status: number, chunks: string[], headers: Array<[string, string]> = []): UpstreamResponse {
  return { status, headers, chunks: chunks.map((c) => encoder.encode(c)), trailers: [] };
}

const echo = (req: UpstreamRequest) => reply(200, [text(req.body)], [['content-length', String(req.body.length)]]);
const req = (mode: string, extra: Record<string, string> = {}) => ({ ':method': 'POST', ':path': '/v1/x', ':authority': 'api.local', 'x-mode': mode, ...extra });

describe.each(MODES)('SDK streams (%s)', (mode) => {
  let bodies: BuiltPlugin;
  let headers: BuiltPlugin;
  beforeAll(async () => {
    [bodies, headers] = await Promise.all([buildPlugin(entry('bodies')), buildPlugin(entry('headers'))]);
  });
  const start = (plugin: () => BuiltPlugin, options: Partial<HostOptions> = {}): Promise<Host> =>
    createHost({
      ...pluginSource(plugin(), mode),
      clusters: { auth: () => reply(200, ['granted'], [['x-user', 'alice'], ['content-length', '7']]), upstream: echo },
      ...options,
    });

  it('edits each body chunk in place with the typed body API: size, prepend and append', async () => {
    const host = await start(() => bodies);
    const s = host.newHttpStream();
    s.sendRequestHeaders(req('edit'));
    s.sendRequestBody('ab', false);
    s.sendRequestBody('cde', true);
    expect(text(s.upstream.body)).toBe('<ab><cde>');
    s.sendResponseHeaders({ ':status': '200' }, true);
    expect(s.client.header('x-sizes')).toBe('2,3');
  });

  describe('bufferBody', () => {
    it('holds the request body until the end, completes once with the whole body and forwards the replacement', async () => {
      const host = await start(() => bodies);
      const s = host.newHttpStream();
      s.sendRequestHeaders({ ...req('buffer-request'), 'content-length': '11' });
      expect(s.upstream.headers?.find(([k]) => k === 'content-length')).toBeUndefined();
      s.sendRequestBody('héllo', false);
      s.sendRequestBody(' wor', false);
      expect(s.upstream.body.length).toBe(0);
      s.sendRequestBody('ld', true);
      expect(text(s.upstream.body)).toBe('12:HÉLLO WORLD');
      expect(s.upstream.ended).toBe(true);
      s.sendResponseHeaders({ ':status': '200' }, true);
      expect(s.client.header('x-complete-calls')).toBe('1');
      expect(s.client.header('x-body-calls')).toBe('3');
    });

    it('holds the response body until the end and forwards the replacement', async () => {
      const host = await start(() => bodies);
      const s = host.newHttpStream();
      s.sendRequestHeaders(req('buffer-response'), true);
      s.sendResponseHeaders({ ':status': '200', 'content-length': '10' });
      s.sendResponseBody('{"a":', false);
      s.sendResponseBody('1', false);
      expect(s.client.chunks).toEqual([]);
      s.sendResponseBody('2}', true);
      expect(s.client.header('content-length')).toBeUndefined();
      expect(JSON.parse(s.client.text)).toEqual({ wrapped: '{"a":12}', completions: 1 });
      expect(s.client.ended).toBe(true);
    });

    const big = Array.from({ length: 4 }, (_, i) => String.fromCharCode(97 + i).repeat(25 * 1024));

    it('gathers every chunk on Envoy ≤1.32 / Higress 1.27, whose buffered sizes lag one chunk (ref §9)', async () => {
      const host = await start(() => bodies, { bodySizes: 'lagging' });
      const chunks = ['{"a":', '"lagging', ' bodies"', '}'];
      const result = await host.exchange({ headers: req('buffer-request'), body: chunks });
      expect(result.status).toBe(200);
      expect(result.client.text).toBe(`${chunks.join('').length}:${chunks.join('').toUpperCase()}`);
    });

    it('maxBytes raises the limit so a 100 KiB body is accepted', async () => {
      const host = await start(() => bodies);
      const result = await host.exchange({ headers: req('buffer-request', { 'x-limit': String(200 * 1024) }), body: big });
      expect(result.status).toBe(200);
      expect(result.client.text).toBe(`${100 * 1024}:${big.join('').toUpperCase()}`);
    });

    it('without maxBytes the body is refused like Envoy would (413) once it passes 32 KiB', async () => {
      const host = await start(() => bodies);
      const result = await host.exchange({ headers: req('buffer-request'), body: big });
      expect(result.status).toBe(413);
      expect(result.upstream).toBeUndefined();
      expect(result.stream.localReply?.details).toBe('request_payload_too_large');
    });
  });

  describe('holdBodyWhile', () => {
    const hold = async (chunks: string[], extra: Record<string, string> = {}) => {
      const host = await start(() => bodies);
      const s = host.newHttpStream();
      s.sendRequestHeaders(req('hold-start', extra));
      chunks.forEach((chunk, i) => s.sendRequestBody(chunk, i === chunks.length - 1));
      s.sendResponseHeaders({ ':status': '200' }, true);
      return { forwarded: text(s.upstream.body), decides: Number(s.client.header('x-decide-calls')), final: s.client.header('x-final') };
    };

    it('holds the start until the plugin decides, forwards its answer in front of the rest, then everything unheld', async () => {
      const body = 'abcdefghijklmnopqrstuvwxyz|the rest, with a second | kept';
      const oneByOne = await hold([...body]);
      expect(oneByOne.forwarded).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ|the rest, with a second | kept');
      expect(oneByOne.decides).toBeLessThanOrEqual(7);
      expect(oneByOne.final).toBe('false');
      expect((await hold([body.slice(0, 5), body.slice(5)])).forwarded).toBe(oneByOne.forwarded);
    });

    it('asks a last time at the end of stream or at maxBytes, and forwards the start unchanged when the answer is still "more"', async () => {
      expect(await hold(['no', ' bar', ' at all'])).toMatchObject({ forwarded: 'no bar at all', final: 'true' });
      const long = 'x'.repeat(40);
      expect(await hold([long, long, '|late'], { 'x-limit': '64' })).toMatchObject({ forwarded: `${long}${long}|late`, final: 'true' });
    });
  });

  describe('streamChunks on SSE', () => {
    it('forwards each transformed chunk as it arrives and replaces the empty last chunk', async () => {
      const host = await start(() => bodies);
      const s = host.newHttpStream();
      s.sendRequestHeaders(req('sse'), true);
      s.sendResponseHeaders({ ':status': '200', 'content-type': 'text/event-stream' });
      s.sendResponseBody('data: {"n":1}\n\n', false);
      expect(s.client.chunks.map(text)).toEqual(['data: >{"n":1}\n\n']);
      s.sendResponseBody(': keep-alive\n\n', false);
      expect(s.client.chunks.map(text)).toEqual(['data: >{"n":1}\n\n', ': keep-alive\n\n']);
      s.sendResponseBody('data: {"n":2}\n\n', false);
      expect(s.client.chunks).toHaveLength(3);
      expect(s.client.ended).toBe(false);
      s.sendResponseBody('', true);
      expect(s.client.chunks.map(text)).toEqual(['data: >{"n":1}\n\n', ': keep-alive\n\n', 'data: >{"n":2}\n\n', 'data: [END]\n\n']);
      expect(s.client.ended).toBe(true);
    });

    it('transforms a last chunk that carries data', async () => {
      const host = await start(() => bodies);
      const result = await host.exchange({ headers: req('sse') }, { upstream: () => reply(200, ['data: a\n\n', 'data: b\n\n'], [['content-length', '18']]) });
      expect(result.client.chunks.map(text)).toEqual(['data: >a\n\n', 'data: >b\n\n']);
      expect(result.client.ended).toBe(true);
    });
  });

  describe('headers', () => {
    it('reads the first value and the entries in order, and edits the map', async () => {
      const host = await start(() => headers);
      const input: Array<[string, string]> = [
        [':method', 'GET'], [':path', '/h'], [':authority', 'api.local'], ['x-mode', 'headers'],
        ['x-dup', 'one'], ['x-multi', 'a'], ['x-dup', 'two'], ['x-multi', 'b'], ['x-remove', 'gone'],
      ];
      const result = await host.exchange({ headers: input });
      const up = result.upstream!.headers;
      const report = JSON.parse(up.find(([k]) => k === 'x-report')![1]);
      expect(report).toMatchObject({ first: 'one', caseInsensitive: 'one', missing: null, has: [true, false], available: true });
      expect(report.names.slice(0, 10)).toEqual([':method', ':path', ':authority', ':scheme', 'x-mode', 'x-dup', 'x-multi', 'x-dup', 'x-multi', 'x-remove']);
      expect(report).toMatchObject({ afterRemove: false, dupAfterAdd: 'one' });
      expect(up.filter(([k]) => k === 'x-dup').map(([, v]) => v)).toEqual(['one', 'two', 'three']);
      expect(up.filter(([k]) => k === 'x-multi').map(([, v]) => v)).toEqual(['single']);
      expect(up.some(([k]) => k === 'x-remove')).toBe(false);
    });

    it('a forwarded map is unavailable, reads empty and refuses writes with a HostError naming the call', async () => {
      const host = await start(() => headers);
      const result = await host.exchange({ headers: req('headers'), body: 'x' });
      const late = JSON.parse(result.client.header('x-late')!);
      expect(late).toMatchObject({ requestAvailable: false, requestPath: null, requestEntries: 0, responseAvailable: true });
      expect(late.write).toMatch(/^HostError\|set request headers "x-too-late"\|2\|set request headers "x-too-late" failed with status BadArgument \(2\)/);
      expect(result.upstream!.headers.some(([k]) => k === 'x-too-late')).toBe(false);
      const warn = host.logs.messages('warn');
      expect(warn).toEqual([expect.stringMatching(/^late response write: HostError\|add response headers "x-after"\|2\|/)]);
    });

    it('replaceAll replaces the whole map', async () => {
      const host = await start(() => headers);
      const result = await host.exchange({ headers: { ...req('replace-all'), 'x-keep': 'no' } });
      expect(result.upstream!.headers).toEqual([[':method', 'PUT'], [':path', '/replaced'], [':authority', 'other.local'], ['x-only', 'yes']]);
    });
  });

  it('reads and edits request and response trailers', async () => {
    const host = await start(() => headers);
    const s = host.newHttpStream();
    s.sendRequestHeaders(req('trailers'));
    s.sendRequestBody('body', false);
    s.sendRequestTrailers({ 'x-checksum': 'abc', 'x-drop': '1' });
    expect(s.upstream.trailers).toEqual([['x-checksum', 'abc'], ['x-checked', 'abc-ok'], ['x-extra', '1']]);
    s.sendResponseHeaders({ ':status': '200' });
    s.sendResponseBody('ok', false);
    s.sendResponseTrailers({ 'grpc-status': '0' });
    expect(s.client.trailers).toEqual([['grpc-status', '0'], ['x-served-by', 'plugin'], ['x-trailer-names', 'grpc-status,x-served-by']]);
    expect(s.client.ended).toBe(true);
  });

  it('sendLocalResponse answers with its status, headers, body and details', async () => {
    const host = await start(() => headers);
    const result = await host.exchange({ headers: req('local'), body: 'ignored' });
    expect(result.status).toBe(418);
    expect(result.client.text).toBe('short and stout');
    expect(result.client.header('x-teapot')).toBe('yes');
    expect(result.client.header('content-type')).toBe('text/plain');
    expect(result.stream.localReply?.details).toBe('teapot_reply');
    expect(result.upstream).toBeUndefined();
  });

  it.each(['callout-callback', 'callout-promise'])('%s: the request waits for the callout and then continues', async (calloutMode) => {
    const host = await start(() => headers);
    const s = host.newHttpStream();
    s.sendRequestHeaders(req(calloutMode));
    s.sendRequestBody('payload', true);
    expect(s.upstream.headers).toBeUndefined();
    expect(host.callouts).toHaveLength(1);
    expect(host.callouts[0]!.cluster).toBe('auth');
    await host.idle();
    expect(s.upstream.headers).toContainEqual(['x-user', 'alice']);
    expect(text(s.upstream.body)).toBe('payload');
    expect(s.upstream.ended).toBe(true);
    if (calloutMode === 'callout-promise') expect(s.upstream.headers).toContainEqual(['x-auth-body', 'granted']);
    else expect(s.upstream.headers).toContainEqual(['x-auth-status', '200']);
  });
});
