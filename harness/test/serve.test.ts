/**
 * The gateway behind `npm start`: the built AI proxy served on a real socket through the harness, against
 * the fake GitHub Models server. Streaming is checked by order, not time: a gate between the gateway and
 * the fake holds back everything after the first SSE write until the client has read its first chunk.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../src/index.ts';
import { startGateway, type Gateway } from '../src/serve/gateway.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../../plugin/ai-proxy/fake/github-models.ts';
import { MODES, buildPlugin, pluginSource } from '../../plugin/test-support/build-plugin.ts';

const plugin = await buildPlugin('plugin/ai-proxy/main.ts');
const TOKEN = 'ghp_fake_token';
const CONFIG = { provider: { type: 'github', apiTokens: [TOKEN], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
const chat = (extra: object = {}) => JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }], ...extra });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** An HTTP server from a request handler, on a free loopback port. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

/** Relays to `target`, passing the first response chunk at once and holding the rest until `release()`. */
async function gate(target: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const state = { finished: false, chunks: 0 };
  const server = await serve((req, res) => {
    const out = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        const n = state.chunks++;
        void (n === 0 ? Promise.resolve() : released).then(() => res.write(chunk));
      });
      answer.on('end', () => void released.then(() => ((state.finished = true), res.end())));
    });
    req.pipe(out);
  });
  return { ...server, state, release };
}

/**
 * Uploads a chat request body over a raw socket, 64 KiB at a time and never ending it, until the server
 * has answered and closed the connection (a raw socket, because Node's HTTP client drops an answer that
 * arrives while its upload fails); fails after 30 MB without an answer.
 */
function uploadUntilAnswered(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; closed: boolean }> {
  const { port } = new URL(url);
  const chunked = headers['content-length'] === undefined;
  const head = [
    'POST /v1/chat/completions HTTP/1.1',
    `host: 127.0.0.1:${port}`,
    'content-type: application/json',
    ...(chunked ? ['transfer-encoding: chunked'] : Object.entries(headers).map(([k, v]) => `${k}: ${v}`)),
    '',
    '',
  ].join('\r\n');
  const piece = Buffer.alloc(64 * 1024, 0x20);
  const frame = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    let sent = 0;
    const pump = () => {
      while (!received && sent < 30 * 1024 * 1024 && socket.write(frame)) sent += piece.length;
      if (!received && sent >= 30 * 1024 * 1024) reject(new Error('no answer after 30 MB'));
    };
    socket.on('connect', () => (socket.write(head), pump()));
    socket.on('drain', pump);
    socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (!status) return reject(new Error(`closed without an answer after ${sent} bytes`));
      const body = received.slice(received.indexOf('\r\n\r\n') + 4);
      resolve({ status: Number(status[1]), body: /transfer-encoding: chunked/i.test(received) ? dechunk(body) : body, closed: true });
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const eol = text.indexOf('\r\n', at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

describe.each(MODES)('gateway with the AI proxy (%s)', (mode) => {
  let fake: FakeGitHubModels;
  let host: Host;
  let gateway: Gateway;

  beforeAll(async () => {
    fake = await startFakeGitHubModels();
    host = await createHost({ ...pluginSource(plugin, mode), pluginConfig: CONFIG, clock: 'real' });
    gateway = await startGateway({ host, upstream: fake.url });
  });
  afterAll(async () => {
    await gateway.close();
    host.close();
    await fake.close();
  });

  function expectNoToken(...texts: string[]) {
    for (const text of [...texts, ...host.logs.entries.map((e) => e.message)]) expect(text).not.toContain(TOKEN);
  }

  it('answers a JSON chat request through the plugin and the fake', async () => {
    const res = await post(gateway.url, chat(), { authorization: 'Bearer client-own-key' });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    expect(body.model).toBe('openai/gpt-4.1');
    expect(body.choices[0].message.content).toBe('Echo: Hello');
    const seen = fake.requests.at(-1)!;
    expect(seen.path).toBe('/inference/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(seen.body).model).toBe('openai/gpt-4.1');
    const headers: string[] = [];
    res.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
    expectNoToken(text, ...headers);
  });

  it('streams SSE: the first chunk reaches the client while the upstream response is still open', async () => {
    const held = await gate(fake.url);
    const local = await startGateway({ host, upstream: held.url });
    try {
      const res = await post(local.url, chat({ stream: true }));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      const first = await reader.read();
      expect(first.done).toBe(false);
      expect(held.state.finished).toBe(false);
      let text = decoder.decode(first.value, { stream: true });
      expect(text).toMatch(/^data: \{/);
      held.release();
      let reads = 1;
      for (let r = await reader.read(); !r.done; r = await reader.read()) (text += decoder.decode(r.value, { stream: true })), reads++;
      expect(held.state.finished).toBe(true);
      expect(reads).toBeGreaterThan(1);
      expect(text).toContain('"content":" Hello"');
      expect(text).toContain('"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}');
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expectNoToken(text);
    } finally {
      await local.close();
      await held.close();
    }
  });

  it('resets the stream when the client goes away mid-stream, and keeps serving', async () => {
    const held = await gate(fake.url);
    let finished!: (d: { reset?: string; logged: boolean }) => void;
    const done = new Promise<{ reset?: string; logged: boolean }>((resolve) => (finished = resolve));
    const onStreamDone: Parameters<typeof startGateway>[0]['onStreamDone'] = ({ stream }) =>
      finished({ reset: stream.client.reset, logged: stream.trace.some((t) => t.callback === 'proxy_on_log') });
    const local = await startGateway({ host, upstream: held.url, onStreamDone });
    try {
      const res = await post(local.url, chat({ stream: true }));
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await reader.cancel();
      held.release();
      expect(await done).toEqual({ reset: 'downstream_remote_disconnect', logged: true });
      expect((await post(gateway.url, chat())).status).toBe(200);
    } finally {
      await local.close();
      await held.close();
    }
  });

  it('passes the plugin error replies and upstream errors to the client, then keeps serving', async () => {
    const local = await post(gateway.url, JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }));
    expect(local.status).toBe(400);
    expect((await local.json()).error.code).toBe('missing_model');
    const upstream = await post(gateway.url, chat({ model: 'no/such-model' }));
    expect(upstream.status).toBe(404);
    expect((await upstream.json()).error.code).toBe('unknown_model');
    const models = await fetch(`${gateway.url}/v1/models`);
    expect(models.status).toBe(200);
    expect((await models.json()).object).toBe('list');
    expect((await post(gateway.url, chat())).status).toBe(200);
  });

  it.each([
    ['declares 11 MB in content-length', { 'content-length': String(11 * 1024 * 1024) }],
    ['sends an unbounded chunked body', {}],
  ])('finishes the request when the plugin answers 413 while the client still uploads (the client %s)', async (_name, headers) => {
    const done: string[] = [];
    const early = await startGateway({ host, upstream: fake.url, onStreamDone: ({ method, path, stream }) => done.push(`${method} ${path} -> ${stream.client.status}`) });
    try {
      const answer = await uploadUntilAnswered(early.url, headers);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe('request_too_large');
      expect(answer.closed).toBe(true);
      expect(done).toEqual(['POST /v1/chat/completions -> 413']);
      expect((await post(early.url, chat())).status).toBe(200);
    } finally {
      await early.close();
    }
  });

  it('answers 503 when the upstream refuses, and resets the client when the upstream resets mid-stream', async () => {
    const gone = await serve(() => {});
    await gone.close();
    const refused = await startGateway({ host, upstream: gone.url });
    const broken = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[]}\n\n', () => setImmediate(() => res.socket?.destroy()));
    });
    const resetting = await startGateway({ host, upstream: broken.url });
    try {
      const res = await post(refused.url, chat());
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('error');
      const cut = await post(resetting.url, chat({ stream: true }));
      expect(cut.status).toBe(200);
      await expect(cut.text()).rejects.toThrow();
      expect((await post(gateway.url, chat())).status).toBe(200);
    } finally {
      await refused.close();
      await resetting.close();
      await broken.close();
    }
  });
});
