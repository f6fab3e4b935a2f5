/**
 * A Redis client for plugins on the Higress build, over Higress's `proxy_redis_init`/`proxy_redis_call`
 * (traffic-management §A). `redisInit(cluster, options)` once (in `onConfigure`); then commands as
 * promises, or with a handler that gets a `RedisResult`: `call(args)`, `get`, `set` (`PX`, `NX`),
 * `incrby`, `expire`, `eval`, `evalsha` (the script's SHA-1, falling back to `EVAL` on `NOSCRIPT`).
 * A reply reaches the stream whose callback sent the command, with that stream as the effective
 * context; a stream that ended meanwhile is skipped, unless the call named an `orphan` handler, which
 * then gets the result as the root (to undo what the command did for a stream that is gone). Failures are `RedisError`s by kind: `unavailable`
 * (the Envoy build, or a host without Redis), `dispatch` (the host refused the call, e.g. an unknown
 * cluster), `network` (refused, reset or closed connection), `timeout` (no reply within `timeoutMs`:
 * Envoy closes the connection and fails every pending call), `reply` (a Redis error reply), `protocol`
 * (a reply that is not RESP2).
 */
import * as host from '../host-calls.ts';
import { BufferType, Status } from '../abi.ts';
import { currentStreamId } from '../dispatcher.ts';
import { now } from '../runtime.ts';
import { awaitRedisReply } from './pending.ts';
import { RedisErrorReply, RespError, encodeCommand, parseWholeReply, type RedisArg, type RedisValue } from './resp.ts';
import { sha1Hex } from './sha1.ts';

export type RedisErrorKind = 'unavailable' | 'dispatch' | 'network' | 'timeout' | 'reply' | 'protocol';

export class RedisError extends Error {
  constructor(
    readonly kind: RedisErrorKind,
    message: string,
    /** The host's status (dispatch, unavailable, network, timeout) or the error reply (reply). */
    readonly status?: number,
    readonly reply?: RedisErrorReply,
  ) {
    super(message);
    this.name = 'RedisError';
  }
}

export type RedisResult<T = RedisValue> = { ok: true; value: T } | { ok: false; error: RedisError };
export type RedisHandler<T = RedisValue> = (result: RedisResult<T>) => void;

export interface RedisOptions {
  username?: string;
  password?: string;
  /** Envoy's operation timeout in ms (default 1000, as Higress's limiters). */
  timeoutMs?: number;
  /** Sent as Higress's `?db=N`: Envoy selects it on every new connection. */
  database?: number;
}

export interface SetOptions {
  /** Expire after this many milliseconds (`PX`). */
  px?: number;
  /** Only set a key that does not exist (`NX`). */
  nx?: boolean;
}

const UNIMPLEMENTED = 12;

function unavailable(cluster: string): RedisError {
  return new RedisError('unavailable', `Redis (cluster "${cluster}") needs the Higress build of the plugin; this gateway has no Redis host functions`, UNIMPLEMENTED);
}

function withDatabase(cluster: string, database: number | undefined): string {
  if (!database) return cluster;
  if (!Number.isInteger(database) || database < 0) throw new RangeError(`redis database must be a non-negative integer, got ${database}`);
  if (/[?&]db=/.test(cluster)) throw new RangeError(`redis cluster "${cluster}" already names a database; give it there or in options.database, not both`);
  return `${cluster}${cluster.includes('?') ? '&' : '?'}db=${database}`;
}

function readReply(size: number): RedisResult {
  const bytes = host.getBufferBytes(BufferType.RedisCallResponse, 0, size);
  if (typeof bytes === 'number') return { ok: false, error: new RedisError('protocol', `the Redis reply could not be read (status ${bytes})`, bytes) };
  let value: RedisValue;
  try {
    value = parseWholeReply(new Uint8Array(bytes));
  } catch (error) {
    if (!(error instanceof RespError)) throw error;
    return { ok: false, error: new RedisError('protocol', `the Redis reply is not RESP2: ${error.message}`) };
  }
  if (value instanceof RedisErrorReply) return { ok: false, error: new RedisError('reply', `Redis answered an error: ${value.message}`, undefined, value) };
  return { ok: true, value };
}

type Shape<T> = (value: RedisValue) => T;
const asIs: Shape<RedisValue> = (value) => value;

export class RedisClient {
  /** The cluster name the calls go to (Higress's parameters after `?` are for init only). */
  readonly cluster: string;
  private readonly initCluster: string;
  private readonly timeoutMs: number;
  private readonly shas = new Map<string, string>();
  /** Calls waiting for a reply: when each was sent, and whether Envoy's operation timeout is known to have failed it. */
  private readonly inFlight = new Map<number, { sentAt: number; timedOut: boolean }>();

  constructor(
    cluster: string,
    private readonly options: RedisOptions = {},
  ) {
    this.initCluster = withDatabase(cluster, options.database);
    const mark = cluster.indexOf('?');
    this.cluster = mark < 0 ? cluster : cluster.slice(0, mark);
    this.timeoutMs = options.timeoutMs ?? 1000;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 0 || this.timeoutMs > 0x7fffffff) {
      throw new RangeError(`redis timeoutMs must be an integer from 0 to 2147483647, got ${this.timeoutMs}`);
    }
  }

  /** `proxy_redis_init`; throws RedisError (`unavailable` on the Envoy build, `dispatch` when the host refuses, e.g. an unknown cluster). */
  init(): void {
    const status = host.redisInit(this.initCluster, this.options.username ?? '', this.options.password ?? '', this.timeoutMs);
    if (status === UNIMPLEMENTED) throw unavailable(this.cluster);
    if (status !== Status.Ok) throw new RedisError('dispatch', `redis init of cluster "${this.cluster}" was refused with status ${status}`, status);
  }

  /** Sends one command; the promise resolves with the reply, or rejects with a RedisError. */
  call(args: readonly RedisArg[]): Promise<RedisValue>;
  /** Sends one command; `handler` gets the result (also a refused dispatch, synchronously). */
  call(args: readonly RedisArg[], handler: RedisHandler): void;
  call(args: readonly RedisArg[], handler?: RedisHandler): Promise<RedisValue> | void {
    return this.run(args, asIs, handler);
  }

  get(key: string): Promise<string | ArrayBuffer | null>;
  get(key: string, handler: RedisHandler<string | ArrayBuffer | null>): void;
  get(key: string, handler?: RedisHandler<string | ArrayBuffer | null>) {
    return this.run(['GET', key], (v) => v as string | ArrayBuffer | null, handler);
  }

  /** SET with `PX`/`NX`: true when the key was set, false when `NX` found it existing. */
  set(key: string, value: RedisArg, options?: SetOptions): Promise<boolean>;
  set(key: string, value: RedisArg, options: SetOptions | undefined, handler: RedisHandler<boolean>): void;
  set(key: string, value: RedisArg, options: SetOptions = {}, handler?: RedisHandler<boolean>) {
    const args: RedisArg[] = ['SET', key, value];
    if (options.px !== undefined) args.push('PX', options.px);
    if (options.nx) args.push('NX');
    return this.run(args, (v) => v !== null, handler);
  }

  incrby(key: string, by: number): Promise<number>;
  incrby(key: string, by: number, handler: RedisHandler<number>): void;
  incrby(key: string, by: number, handler?: RedisHandler<number>) {
    return this.run(['INCRBY', key, by], (v) => v as number, handler);
  }

  /** EXPIRE in seconds: true when the key exists. */
  expire(key: string, seconds: number): Promise<boolean>;
  expire(key: string, seconds: number, handler: RedisHandler<boolean>): void;
  expire(key: string, seconds: number, handler?: RedisHandler<boolean>) {
    return this.run(['EXPIRE', key, seconds], (v) => v === 1, handler);
  }

  eval(script: string, keys: readonly RedisArg[], args: readonly RedisArg[]): Promise<RedisValue>;
  eval(script: string, keys: readonly RedisArg[], args: readonly RedisArg[], handler: RedisHandler): void;
  eval(script: string, keys: readonly RedisArg[], args: readonly RedisArg[], handler?: RedisHandler) {
    return this.run(['EVAL', script, keys.length, ...keys, ...args], asIs, handler);
  }

  /**
   * EVALSHA of the script's SHA-1; on `NOSCRIPT` (the server does not know it yet) the script is sent with
   * EVAL. `orphan` gets the result instead of `handler` when the stream that sent it has ended (a
   * `NOSCRIPT` then means the script did not run, and no EVAL follows).
   */
  evalsha(script: string, keys: readonly RedisArg[], args: readonly RedisArg[]): Promise<RedisValue>;
  evalsha(script: string, keys: readonly RedisArg[], args: readonly RedisArg[], handler: RedisHandler, orphan?: RedisHandler): void;
  evalsha(script: string, keys: readonly RedisArg[], args: readonly RedisArg[], handler?: RedisHandler, orphan?: RedisHandler) {
    let sha = this.shas.get(script);
    if (sha === undefined) this.shas.set(script, (sha = sha1Hex(script)));
    const fallback = (result: RedisResult, done: RedisHandler) => {
      if (!result.ok && result.error.reply?.code === 'NOSCRIPT') this.send(['EVAL', script, keys.length, ...keys, ...args], done);
      else done(result);
    };
    const args1 = ['EVALSHA', sha, keys.length, ...keys, ...args];
    if (handler) return this.send(args1, (result) => fallback(result, handler), orphan);
    return new Promise<RedisValue>((resolve, reject) => this.send(args1, (result) => fallback(result, (r) => (r.ok ? resolve(r.value) : reject(r.error)))));
  }

  private run<T>(args: readonly RedisArg[], shape: Shape<T>, handler?: RedisHandler<T>): Promise<T> | void {
    const shaped = (result: RedisResult): RedisResult<T> => (result.ok ? { ok: true, value: shape(result.value) } : result);
    if (handler) return this.send(args, (result) => handler(shaped(result)));
    return new Promise<T>((resolve, reject) =>
      this.send(args, (result) => {
        const r = shaped(result);
        if (r.ok) resolve(r.value);
        else reject(r.error);
      }),
    );
  }

  private send(args: readonly RedisArg[], handler: RedisHandler, orphan?: RedisHandler): void {
    const token = host.redisCall(this.cluster, encodeCommand(args));
    if (token < 0) {
      const status = -token;
      handler({ ok: false, error: status === UNIMPLEMENTED ? unavailable(this.cluster) : new RedisError('dispatch', `redis call to cluster "${this.cluster}" was refused with status ${status}`, status) });
      return;
    }
    const cluster = this.cluster;
    this.inFlight.set(token, { sentAt: now(), timedOut: false });
    const result = (status: number, size: number): RedisResult => {
      const timedOut = this.timedOut(token, status);
      if (status === Status.Ok) return readReply(size);
      return {
        ok: false,
        error: timedOut
          ? new RedisError('timeout', `no reply from redis cluster "${cluster}" within ${this.timeoutMs} ms`, status)
          : new RedisError('network', `redis cluster "${cluster}" could not be reached (connection refused, reset or closed)`, status),
      };
    };
    awaitRedisReply(token, {
      streamId: currentStreamId(),
      forget: () => this.inFlight.delete(token),
      deliver: (status, size) => handler(result(status, size)),
      orphan: orphan && ((status, size) => orphan(result(status, size))),
    });
  }

  /**
   * Envoy reports its operation timeout like any broken connection (status 1) and fails every pending
   * call at once; the timer ran from the oldest call still waiting. So a failure is a timeout when the
   * oldest call in flight is at least `timeoutMs` old, and the calls failed with it are timeouts too.
   */
  private timedOut(token: number, status: number): boolean {
    const call = this.inFlight.get(token);
    this.inFlight.delete(token);
    if (status === Status.Ok || !call) return false;
    if (call.timedOut) return true;
    let oldest = call.sentAt;
    for (const other of this.inFlight.values()) oldest = Math.min(oldest, other.sentAt);
    const late = this.timeoutMs > 0 && now() - oldest >= this.timeoutMs;
    if (late) for (const other of this.inFlight.values()) other.timedOut = true;
    return late;
  }
}

/** A client for `cluster` (Higress form: `outbound|6379||redis.default.svc.cluster.local`, `?db=N` allowed), initialised. */
export function redisInit(cluster: string, options: RedisOptions = {}): RedisClient {
  const client = new RedisClient(cluster, options);
  client.init();
  return client;
}
