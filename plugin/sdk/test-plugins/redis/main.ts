/**
 * Test plugin for the SDK's Redis client. Configuration `{"redis": {"cluster", "username", "password",
 * "timeoutMs", "database"}}` (rejected on the Envoy build, naming `redis`); the client is initialised in
 * `onConfigure`. A request's `x-redis` header is a JSON command: `["call", ...args]`, `["get", key]`,
 * `["set", key, value, {px, nx}]`, `["incrby", key, n]`, `["expire", key, s]`, `["eval", script, keys,
 * args]`, `["evalsha", script, keys, args]`; `x-style: callback` uses the handler form. The stream
 * waits for the reply and is answered locally with `{"value": …}` or `{"error": {kind, message,
 * code}}` (ArrayBuffers as `{"bytes": [...]}`); `x-then: continue` lets the request go upstream
 * instead, with the answer in `x-redis-answer`. `GET /target` answers `buildTarget()`.
 */
import type { ConfigError } from '../../config/index.ts';
import {
  Action,
  HttpContext,
  RedisClient,
  RedisError,
  RootContext,
  buildTarget,
  log,
  parseJson,
  redisInit,
  registerRootContext,
  requireHigressBuild,
  type HookResult,
  type RedisHandler,
  type RedisResult,
  type RedisValue,
} from '../../index.ts';

function plain(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { bytes: [...new Uint8Array(value)] };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function answer(result: RedisResult<unknown>): string {
  if (result.ok) return JSON.stringify({ value: plain(result.value) });
  const { kind, message, reply } = result.error;
  return JSON.stringify({ error: { kind, message, code: reply?.code } });
}

class RedisRoot extends RootContext {
  client?: RedisClient;

  override onConfigure(configuration: string): boolean {
    const parsed = configuration ? parseJson(configuration) : undefined;
    const config = (parsed?.ok ? parsed.value : {}) as { redis?: Record<string, unknown> };
    if (!config.redis) return true;
    try {
      requireHigressBuild('redis', config.redis, 'a Redis client');
    } catch (error) {
      log.error(`invalid plugin configuration: ${(error as ConfigError).message}`);
      return false;
    }
    const r = config.redis as { cluster: string; username?: string; password?: string; timeoutMs?: number; database?: number };
    try {
      this.client = redisInit(r.cluster, r);
    } catch (error) {
      if (!(error instanceof RedisError)) throw error;
      log.error(`redis: ${error.kind}: ${error.message}`);
    }
    return true;
  }

  createHttpContext(id: number): HttpContext {
    return new RedisStream(id, this);
  }
}

type Command = [string, ...unknown[]];

function run(client: RedisClient, command: Command, handler?: RedisHandler<unknown>): Promise<unknown> | void {
  const [name, ...a] = command;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const h = handler as RedisHandler<any>;
  switch (name) {
    case 'call':
      return handler ? client.call(a as string[], h) : client.call(a as string[]);
    case 'get':
      return handler ? client.get(a[0] as string, h) : client.get(a[0] as string);
    case 'set':
      return handler ? client.set(a[0] as string, a[1] as string, a[2] as object, h) : client.set(a[0] as string, a[1] as string, a[2] as object);
    case 'incrby':
      return handler ? client.incrby(a[0] as string, a[1] as number, h) : client.incrby(a[0] as string, a[1] as number);
    case 'expire':
      return handler ? client.expire(a[0] as string, a[1] as number, h) : client.expire(a[0] as string, a[1] as number);
    case 'eval':
      return handler ? client.eval(a[0] as string, a[1] as string[], a[2] as string[], h) : client.eval(a[0] as string, a[1] as string[], a[2] as string[]);
    case 'evalsha':
      return handler ? client.evalsha(a[0] as string, a[1] as string[], a[2] as string[], h) : client.evalsha(a[0] as string, a[1] as string[], a[2] as string[]);
    default:
      throw new Error(`unknown command ${name}`);
  }
}

class RedisStream extends HttpContext<RedisRoot> {
  override onRequestHeaders(): HookResult {
    const headers = this.requestHeaders;
    if (headers.get(':path') === '/target') {
      this.reply({ status: 200, body: JSON.stringify({ target: buildTarget() }) });
      return Action.Pause;
    }
    const text = headers.get('x-redis');
    const client = this.root.client;
    if (!text) return Action.Continue;
    if (!client) {
      this.reply({ status: 503, body: JSON.stringify({ error: { kind: 'no-client' } }) });
      return Action.Pause;
    }
    const parsed = parseJson(text);
    if (!parsed.ok) throw new SyntaxError(`x-redis is not JSON: ${parsed.message}`);
    const command = parsed.value as Command;
    const go = headers.get('x-then') === 'continue';
    const finish = (result: RedisResult<unknown>): Action => {
      if (go) {
        this.requestHeaders.set('x-redis-answer', answer(result));
        return Action.Continue;
      }
      this.reply({ status: result.ok ? 200 : 502, body: answer(result), headers: [['content-type', 'application/json']] });
      return Action.Pause;
    };
    if (headers.get('x-style') === 'callback') {
      run(client, command, (result) => {
        if (finish(result) === Action.Continue) this.resumeRequest();
      });
      return Action.Pause;
    }
    return (run(client, command) as Promise<RedisValue>).then(
      (value) => finish({ ok: true, value }),
      (error: RedisError) => finish({ ok: false, error }),
    );
  }
}

registerRootContext(() => new RedisRoot());
