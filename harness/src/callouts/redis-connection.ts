/**
 * One pipelined connection to a real Redis server, as Envoy's Redis async client keeps one per worker
 * and cluster (traffic-management §A): opened lazily with `AUTH` (user and password, or password
 * alone) then `SELECT db` ahead of every command, their replies discarded; commands written as they
 * come; each reply framed and handed back in order. The operation timeout (0: none; on the host's
 * clock, so a virtual clock moves it with `advanceTime`) starts when a command waits and is renewed by
 * each reply; when it fires, or the connection is refused, reset or answers with
 * bytes that are not RESP2, the connection is closed and every pending command fails (`undefined`).
 */
import { connect, type Socket } from 'node:net';
import { RespFrameError, RespFramer } from './resp-frame.ts';

export interface RedisSettings {
  host: string;
  port: number;
  username: string;
  password: string;
  database: number;
  timeoutMs: number;
}

/** Runs `fire` after `ms` on the host's clock (virtual or real, as Envoy's dispatcher timers); answers a cancel. */
export type Schedule = (ms: number, fire: () => void) => () => void;

/** A pending command (`id`) or one of the connection's own set-up commands (`undefined`). */
type Waiting = number | undefined;

const encoder = new TextEncoder();

export function respCommand(args: string[]): Uint8Array {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${encoder.encode(arg).length}\r\n${arg}\r\n`);
  return encoder.encode(parts.join(''));
}

export class RedisConnection {
  private socket?: Socket;
  private waiting: Waiting[] = [];
  private framer = new RespFramer();
  private cancelTimer?: () => void;

  constructor(
    readonly settings: RedisSettings,
    private readonly schedule: Schedule,
    private readonly onReply: (id: number, reply: Uint8Array | undefined, why?: string) => void,
  ) {}

  send(id: number, query: Uint8Array): void {
    const socket = this.socket ?? this.open();
    this.waiting.push(id);
    socket.write(query);
    if (!this.cancelTimer) this.cancelTimer = this.startTimer();
  }

  /** Closes the connection; every pending command fails with `why`. */
  close(why = 'closed'): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.removeAllListeners();
    socket.on('error', () => {});
    socket.destroy();
    this.stopTimer();
    const failed = this.waiting;
    this.waiting = [];
    this.framer = new RespFramer();
    for (const id of failed) if (id !== undefined) this.onReply(id, undefined, why);
  }

  private open(): Socket {
    const { host, port, username, password, database } = this.settings;
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (error) => this.close(`connection failed: ${error.message}`));
    socket.on('close', () => this.close('connection closed by the server'));
    this.socket = socket;
    if (password !== '') this.setUp(socket, username === '' ? ['AUTH', password] : ['AUTH', username, password]);
    if (database > 0) this.setUp(socket, ['SELECT', String(database)]);
    return socket;
  }

  private setUp(socket: Socket, args: string[]): void {
    this.waiting.push(undefined);
    socket.write(respCommand(args));
  }

  private read(chunk: Buffer): void {
    let replies: Uint8Array[];
    try {
      replies = this.framer.push(chunk);
    } catch (error) {
      if (!(error instanceof RespFrameError)) throw error;
      this.close(`protocol error: ${error.message}`);
      return;
    }
    for (const reply of replies) {
      const id = this.waiting.shift();
      if (id !== undefined) this.onReply(id, reply);
      this.stopTimer();
      if (this.waiting.length > 0) this.cancelTimer = this.startTimer();
    }
  }

  /** No timer for a timeout of 0 (no operation timeout). */
  private startTimer(): (() => void) | undefined {
    if (this.settings.timeoutMs <= 0) return undefined;
    return this.schedule(this.settings.timeoutMs, () => {
      this.cancelTimer = undefined;
      this.close(`no reply within the ${this.settings.timeoutMs} ms operation timeout`);
    });
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
