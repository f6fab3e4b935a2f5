/**
 * rewrite-body on both engines: a JSON object body sent in chunks reaches a real upstream once, rewritten,
 * with a length it can parse; anything else is answered 400 (or 413, as Envoy would, past Higress's 32 KiB
 * buffer limit), and the VM keeps serving after every error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../../harness/src/index.ts';
import { json, startServer, type TestServer } from '../../../harness/test/support/servers.ts';
import { buildPlugin, MODES, pluginSource, type BuiltPlugin } from '../../test-support/build-plugin.ts';

let plugin: BuiltPlugin;
beforeAll(async () => {
  plugin = await buildPlugin(new URL('./main.ts', import.meta.url).pathname);
});

const BAD_BODY = { error: 'the body must be a JSON object' };
const post = (body?: string | string[], headers: Record<string, string> = {}) => ({
  headers: { ':method': 'POST', ':path': '/v1/chat', ':authority': 'api.local', 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body }),
});
const lengthOf = (body: string | string[]) => String(Buffer.byteLength(Array.isArray(body) ? body.join('') : body));

describe.each(MODES)('rewrite-body (%s)', (mode) => {
  let host: Host;
  let server: TestServer;
  const start = async () => {
    host = await createHost({ ...pluginSource(plugin, mode) });
    server = await startServer(json({ upstream: 'ok' }));
  };
  const send = (body?: string | string[], headers: Record<string, string> = {}) => host.exchange(post(body, headers), { upstream: server.url });

  /** A valid request still goes through, rewritten: the VM survived whatever came before. */
  async function stillServes() {
    const before = server.requests.length;
    const result = await send('{"ok":1}', { 'content-length': '8' });
    expect(result.status).toBe(200);
    expect(server.requests.slice(before).map((r) => JSON.parse(r.body))).toEqual([{ ok: 1, rewritten: true }]);
  }

  it('forwards a body sent in chunks once, rewritten, with a consistent length', async () => {
    await start();
    const chunks = ['{"model":"gpt-4o",', '"messages":[{"role":"user",', '"content":"héllo"}],', '"rewritten":false}'];
    const result = await send(chunks, { 'content-length': lengthOf(chunks) });
    expect(result.status).toBe(200);
    expect(result.client.json()).toEqual({ upstream: 'ok' });
    const expected = { model: 'gpt-4o', messages: [{ role: 'user', content: 'héllo' }], rewritten: true };
    expect(server.requests).toHaveLength(1);
    const received = server.requests[0]!;
    expect(received.method).toBe('POST');
    expect(JSON.parse(received.body)).toEqual(expected);
    expect(received.headers['content-length'] ?? String(Buffer.byteLength(received.body))).toBe(String(Buffer.byteLength(received.body)));
    // What the proxy forwarded: one body, no stale content-length from the client.
    const forwarded = result.upstream!;
    expect(JSON.parse(Buffer.from(forwarded.body).toString('utf8'))).toEqual(expected);
    expect(forwarded.headers.filter(([k]) => k === 'content-length').map(([, v]) => v)).not.toContain(lengthOf(chunks));
    expect(result.stream.upstream.chunks).toHaveLength(1);
    expect(host.logs.hostMessages()).toEqual([]);
  });

  it('rewrites a body that arrives in one piece, with or without a content-length', async () => {
    await start();
    await send('{"a":1}', { 'content-length': '7' });
    await send('{"b":[1,2]}');
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([
      { a: 1, rewritten: true },
      { b: [1, 2], rewritten: true },
    ]);
  });

  it.each([
    ['not JSON', ['{"a":', '1']],
    ['plain text', 'hello'],
    ['a JSON array', ['[1,', '2]']],
    ['a JSON string', '"text"'],
    ['JSON null', 'null'],
    ['an empty body', ''],
  ])('answers %s with 400 and never contacts the upstream', async (_name, body) => {
    await start();
    const result = await send(body, { 'content-length': lengthOf(body) });
    expect(result.status).toBe(400);
    expect(result.client.header('content-type')).toBe('application/json');
    expect(result.client.json()).toEqual(BAD_BODY);
    expect(result.stream.localReply).toMatchObject({ status: 400, details: 'bad_body' });
    expect(result.upstream).toBeUndefined();
    expect(server.requests).toEqual([]);
    await stillServes();
  });

  it('answers a request without any body with 400', async () => {
    await start();
    const result = await send(undefined);
    expect(result.status).toBe(400);
    expect(result.client.json()).toEqual(BAD_BODY);
    expect(result.upstream).toBeUndefined();
    expect(server.requests).toEqual([]);
    await stillServes();
  });

  it("answers 413 as Envoy would past Higress's default 32 KiB request buffer", async () => {
    await start();
    const filler = 'x'.repeat(8 * 1024);
    const chunks = ['{"data":"', filler, filler, filler, filler, '"}'];
    const result = await send(chunks, { 'content-length': lengthOf(chunks) });
    expect(result.status).toBe(413);
    expect(result.stream.localReply?.details).toBe('request_payload_too_large');
    expect(result.client.text).toBe('Payload Too Large');
    expect(result.upstream).toBeUndefined();
    expect(server.requests).toEqual([]);
    await stillServes();
  });

  it('rewrites a body just under the limit', async () => {
    await start();
    const body = `{"data":"${'y'.repeat(32 * 1024 - 12)}"}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(32 * 1024);
    const result = await send([body.slice(0, 1000), body.slice(1000)]);
    expect(result.status).toBe(200);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ data: 'y'.repeat(32 * 1024 - 12), rewritten: true });
  });

  it('keeps serving after a run of errors of every kind', async () => {
    await start();
    for (const body of ['nope', '[]', '', '{"ok":2}']) await send(body);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([{ ok: 2, rewritten: true }]);
    await stillServes();
    expect(host.logs.messages('error')).toEqual([]);
  });
});
