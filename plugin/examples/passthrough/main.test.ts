/**
 * passthrough on both engines: requests and responses cross the plugin unchanged, chunk by chunk — a
 * chunked request body, a JSON response from a real server, and an SSE response a real server writes in
 * three chunks, each reaching the client as it was read and before the next one is written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHost, type HttpStream } from '../../../harness/src/index.ts';
import { json, startServer } from '../../../harness/test/support/servers.ts';
import { buildPlugin, MODES, pluginSource, type BuiltPlugin } from '../../test-support/build-plugin.ts';

let plugin: BuiltPlugin;
beforeAll(async () => {
  plugin = await buildPlugin(new URL('./main.ts', import.meta.url).pathname);
});

const text = (chunks: Uint8Array[]) => chunks.map((c) => Buffer.from(c).toString('utf8'));
/** Polls `read` until it reaches `want` (at most 1 s); returns the last value read. */
async function until(read: () => number, want: number): Promise<number> {
  for (let i = 0; i < 200 && read() < want; i++) await sleep(5);
  return read();
}
const EVENTS = ['data: {"delta":"Hel"}\n\n', 'data: {"delta":"lo"}\n\n', 'data: [DONE]\n\n'];

describe.each(MODES)('passthrough (%s)', (mode) => {
  // Without Envoy's own additions (x-request-id, …) what the upstream receives is exactly what was sent.
  const start = () => createHost({ ...pluginSource(plugin, mode), envoyRequestHeaders: false });

  it('forwards request headers and a chunked body unchanged, chunk by chunk', async () => {
    const host = await start();
    const server = await startServer(json({ ok: true }));
    const headers: Array<[string, string]> = [
      [':method', 'POST'],
      [':path', '/v1/chat/completions?stream=true'],
      [':authority', 'api.local'],
      ['content-type', 'application/json'],
      ['x-custom', 'a'],
      ['x-custom', 'b'],
      ['content-length', '21'],
    ];
    const body = ['{"model":', '"gpt",', '"n":1}'];
    expect(body.join('')).toHaveLength(21);
    const result = await host.exchange({ headers, body }, { upstream: server.url });
    expect(result.upstream!.headers).toEqual(headers);
    expect(text(result.stream.upstream.chunks)).toEqual(body);
    expect(server.requests).toHaveLength(1);
    const received = server.requests[0]!;
    expect([received.method, received.path, received.body]).toEqual(['POST', '/v1/chat/completions?stream=true', body.join('')]);
    expect(received.headers['x-custom']).toBe('a, b');
    expect(received.headers.host).toBe('api.local');
  });

  it('returns a JSON response unchanged: status, headers and body', async () => {
    const host = await start();
    const payload = { id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'héllo' } }] };
    const server = await startServer(json(payload, 201, { 'x-upstream': 'yes' }));
    const result = await host.exchange({ headers: { ':method': 'GET', ':path': '/', ':authority': 'api.local' } }, { upstream: server.url });
    expect(result.status).toBe(201);
    expect(result.client.header('content-type')).toBe('application/json');
    expect(result.client.header('x-upstream')).toBe('yes');
    expect(result.client.header('content-length')).toBe(String(Buffer.byteLength(JSON.stringify(payload))));
    expect(result.client.text).toBe(JSON.stringify(payload));
    expect(result.client.ended).toBe(true);
    expect(result.stream.localReply).toBeUndefined();
  });

  it('streams an SSE response from a real server chunk by chunk, each before the next is written', async () => {
    const host = await start();
    const opened: HttpStream[] = [];
    const open = host.newHttpStream.bind(host);
    host.newHttpStream = (worker?: number) => {
      const stream = open(worker);
      opened.push(stream);
      return stream;
    };
    const seenByClient: number[] = [];
    const server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      for (const [i, event] of EVENTS.entries()) {
        res.write(event);
        seenByClient.push(await until(() => opened[0]!.client.chunks.length, i + 1));
      }
      res.end();
    });
    const result = await host.exchange({ headers: { ':method': 'GET', ':path': '/events', ':authority': 'api.local' } }, { upstream: server.url });
    expect(seenByClient).toEqual([1, 2, 3]);
    expect(result.status).toBe(200);
    expect(result.client.header('content-type')).toBe('text/event-stream');
    expect(result.client.header('cache-control')).toBe('no-cache');
    expect(text(result.client.chunks)).toEqual(EVENTS);
    expect(result.client.ended).toBe(true);
    const bodyCalls = result.stream.trace.filter((t) => t.callback === 'proxy_on_response_body');
    expect(bodyCalls.map((t) => [t.args[2], t.result])).toEqual([[0, 0], [0, 0], [0, 0], [1, 0]]);
  });

  it('delivers every response chunk at once when stepped by hand', async () => {
    const host = await start();
    const s = host.newHttpStream();
    s.sendRequestHeaders({ ':method': 'GET', ':path': '/events', ':authority': 'api.local' }, true);
    expect(s.upstream.ended).toBe(true);
    s.sendResponseHeaders({ ':status': '200', 'content-type': 'text/event-stream' });
    expect(s.client.status).toBe(200);
    EVENTS.forEach((event, i) => {
      s.sendResponseBody(event, false);
      expect(text(s.client.chunks)).toEqual(EVENTS.slice(0, i + 1));
      expect(s.client.ended).toBe(false);
    });
    s.sendResponseBody('', true);
    expect(s.client.ended).toBe(true);
    expect(s.client.text).toBe(EVENTS.join(''));
  });

  it('passes trailers through and keeps serving many streams', async () => {
    const host = await start();
    for (let i = 0; i < 20; i++) {
      const s = host.newHttpStream();
      s.sendRequestHeaders({ ':method': 'POST', ':path': `/${i}`, ':authority': 'api.local' });
      s.sendRequestBody(`body-${i}`);
      s.sendRequestTrailers({ 'x-checksum': String(i) });
      expect(s.upstream.text).toBe(`body-${i}`);
      expect(s.upstream.trailers).toEqual([['x-checksum', String(i)]]);
      s.sendResponseHeaders({ ':status': '200', 'grpc-encoding': 'identity' });
      s.sendResponseBody(`answer-${i}`);
      s.sendResponseTrailers({ 'grpc-status': '0' });
      expect([s.client.text, s.client.trailers, s.client.ended]).toEqual([`answer-${i}`, [['grpc-status', '0']], true]);
    }
    expect(host.logs.messages('error')).toEqual([]);
    expect(host.logs.hostMessages()).toEqual([]);
  });
});
