/**
 * Loopback HTTP servers for harness tests: `startServer` listens on 127.0.0.1 port 0, records every
 * request it receives (after reading its body) and hands it to the test's handler; every server is closed
 * after each test. `sse` answers with an event stream written chunk by chunk with small gaps; `json`
 * answers with a JSON body; `closedPort` gives a port nobody listens on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'vitest';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: ReceivedRequest, res: http.ServerResponse) => void | Promise<void>;

export interface TestServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const open = new Set<TestServer>();

afterEach(async () => {
  const servers = [...open];
  open.clear();
  await Promise.all(servers.map((s) => s.close()));
});

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') };
      requests.push(received);
      void Promise.resolve(handler(received, res)).catch((error: unknown) => res.destroy(error as Error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.add(handle);
  return handle;
}

/** A handler answering `status` with `body` as JSON, with its content-length. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Handler {
  const text = JSON.stringify(body);
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
}

/** A handler streaming `chunks` as `text/event-stream`, `gapMs` apart, without a content-length. */
export function sse(chunks: string[], gapMs = 20): Handler {
  return async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    for (const chunk of chunks) {
      await sleep(gapMs);
      res.write(chunk);
    }
    await sleep(gapMs);
    res.end();
  };
}

/** A handler that never answers. */
export const silent: Handler = () => {};

/** A port on 127.0.0.1 that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
