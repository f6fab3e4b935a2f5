/**
 * A real `redis-server` (Debian package `redis-server`) for tests, on a free loopback port, without
 * persistence; `REDIS_SERVER` names another binary. `startRedis()` answers undefined when no binary is
 * found, and `REDIS_SKIP` says why in one line for the describe title. Also the fault servers the
 * Redis tests need: one that accepts and never answers, a relay that cuts every reply into one-byte
 * TCP writes, and one that answers each command with the next reply a test queued.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { respCommand } from '../../src/callouts/redis-connection.ts';

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';
const found = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });

/** Why Redis tests skip here, or undefined when they run. */
export const REDIS_SKIP = found.status === 0 ? undefined : `skipped: ${BINARY} not found (apt-get install redis-server, or set REDIS_SERVER)`;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  port: number;
  url: string;
  /** Runs one command on a connection of its own (authenticated as `default` when a password is set). */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
  /** Starts the server again on the same port (after `stop`). */
  restart(): Promise<void>;
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
  });
}

/** One command over a fresh connection, answered as the raw RESP text. */
export function rawCommand(port: number, args: string[], password?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const expected = password ? 2 : 1;
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      if (text.split('\r\n').length - 1 >= expected) {
        socket.end();
        resolve(password ? text.slice(text.indexOf('\r\n') + 2) : text);
      }
    });
    socket.on('error', reject);
    if (password) socket.write(respCommand(['AUTH', password]));
    socket.write(respCommand(args));
  });
}

export async function startRedis(options: { password?: string; users?: string[] } = {}): Promise<RedisServer | undefined> {
  if (REDIS_SKIP) return undefined;
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  for (const user of options.users ?? []) args.push('--user', ...user.split(' '));
  let child: ChildProcess;
  const start = async () => {
    child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitReady(child);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    command: (...a: string[]) => rawCommand(port, a, options.password),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    restart: start,
  };
}

/** A TCP server that accepts connections, reads everything and never answers. */
export async function silentServer(): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A relay to `port` that writes what the server answers one byte at a time, each in its own TCP write after a pause. */
export async function splittingRelay(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port });
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    client.on('data', (chunk) => upstream.write(chunk));
    let chain = Promise.resolve();
    upstream.on('data', (chunk) => {
      for (const byte of chunk) chain = chain.then(() => new Promise((resolve) => setTimeout(() => (client.write(Buffer.of(byte)), resolve()), 1)));
    });
    for (const s of [client, upstream]) s.on('error', () => {});
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${relayPort}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers each command with the next queued reply (`fallback` when none is queued): for tests of untrusted replies. */
export async function scriptedServer(fallback: string): Promise<{ url: string; replies: Buffer[]; close(): Promise<void> }> {
  const replies: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      const commands = chunk.toString('latin1').split('\r\n').filter((l) => l.startsWith('*')).length;
      for (let i = 0; i < commands; i++) socket.write(replies.shift() ?? Buffer.from(fallback));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    replies,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
