/**
 * Upstream failures Envoy answers itself (refused connection, reset before the answer, route or
 * first-byte timeout) reach the client as OpenAI-style JSON: 503 `upstream_unavailable` or 504
 * `upstream_timeout`. A reset in the middle of a stream resets the client after what was already
 * relayed, and usage is still recorded. The VM serves a good request after each.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, TOKEN, aiHost, chatBody, expectNoSecrets, filterState, githubConfig, send } from '../test-support/ai-host.ts';

let fake: FakeGitHubModels;
let servers: Array<http.Server | net.Server>;
beforeEach(async () => {
  fake = await startFakeGitHubModels();
  servers = [];
});
afterEach(async () => {
  await fake.close();
  for (const s of servers) {
    (s as http.Server).closeAllConnections?.();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen<T extends http.Server | net.Server>(server: T): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function expectProxyError(result: ExchangeResult, status: number, code: string, message: RegExp): void {
  expect(result.status).toBe(status);
  expect(result.client.header('content-type')).toBe('application/json');
  expect(result.client.header('content-length')).toBeUndefined();
  const body = result.client.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ message: expect.stringMatching(message), type: 'upstream_error', code });
}

async function expectServes(host: Host, stream = false): Promise<ExchangeResult> {
  fake.setOptions({ delayMs: 0 });
  const good = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream }) });
  expect(good.status).toBe(200);
  expect(good.client.text).toContain('Echo:');
  return good;
}

describe.each(MODES)('upstream failures (%s)', (mode) => {
  it.each([false, true])('answers a refused connection with 503 upstream_unavailable (stream %s)', async (stream) => {
    const host = await aiHost(mode, githubConfig());
    const bad = await send(host, await closedPort(), { body: chatBody('openai/gpt-4.1', { stream }) });

    expectProxyError(bad, 503, 'upstream_unavailable', /provider "github" could not be reached/);
    expect(bad.stream.localReply?.details).toMatch(/^upstream_reset_before_response_started\{remote_connection_failure/);
    expect(filterState(bad, 'ai_log')).toMatchObject({ status: 503, input_token: 0 });
    const good = await expectServes(host, stream);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it('answers a connection reset before any answer with 503 upstream_unavailable', async () => {
    const host = await aiHost(mode, githubConfig());
    const url = await listen(net.createServer((socket) => socket.once('data', () => socket.destroy())));
    const bad = await send(host, url, { body: chatBody() });

    expectProxyError(bad, 503, 'upstream_unavailable', /closed the connection before answering/);
    const good = await expectServes(host);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it.each([false, true])('answers an upstream slower than the provider timeout with 504 upstream_timeout (stream %s)', async (stream) => {
    const host = await aiHost(mode, githubConfig({ timeout: 100 }));
    fake.setOptions({ delayMs: 5000 });
    const bad = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream }) });

    expectProxyError(bad, 504, 'upstream_timeout', /provider "github" did not answer in time \(timeout 100 ms\)/);
    expect(bad.stream.localReply?.details).toBe('upstream_response_timeout');
    expect(bad.upstream?.headers.find(([k]) => k === 'x-envoy-upstream-rq-timeout-ms')).toBeUndefined();
    const good = await expectServes(host, stream);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it('answers an upstream slower than firstByteTimeout with 504 upstream_timeout', async () => {
    const host = await aiHost(mode, githubConfig({ firstByteTimeout: 100 }));
    fake.setOptions({ delayMs: 5000 });
    const bad = await send(host, fake.url, { body: chatBody('openai/gpt-4.1', { stream: true }) });

    expectProxyError(bad, 504, 'upstream_timeout', /did not answer in time/);
    const good = await expectServes(host, true);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });

  it('resets the client after the events already relayed when the upstream resets mid-stream', async () => {
    const host = await aiHost(mode, githubConfig());
    const first = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'openai/gpt-4.1', choices: [{ index: 0, delta: { content: 'Echo:' } }] })}\n\n`;
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(first);
          setTimeout(() => res.socket?.destroy(), 20);
        });
      }),
    );
    const bad = await send(host, url, { body: chatBody('openai/gpt-4.1', { stream: true }) });

    expect(bad.status).toBe(200);
    expect(bad.client.text).toBe(first);
    expect(bad.client.reset).toBeDefined();
    expect(filterState(bad, 'ai_log')).toMatchObject({ model: 'openai/gpt-4.1', stream: true, status: 200, input_token: 0, output_token: 0, total_token: 0 });
    const good = await expectServes(host, true);
    expectNoSecrets(host, [bad, good], [TOKEN]);
  });
});
