/**
 * The one entry point the engine calls (`globalThis.__proxy_dispatch`): routes every Proxy-Wasm callback
 * to the right context, turns hook results into ABI actions, runs callout handlers with their stream as
 * the effective context, and contains failures: a throwing hook is logged with its stack and its stream
 * gets what the root's `onHookError` answers (or passes when the context is fail-open); the VM lives on.
 * It owns its bookkeeping: which contexts are alive, and the direction each stream's last hook ran in.
 */
import * as host from './host-calls.ts';
import { Action, Callback } from './abi.ts';

const CALLBACK_KINDS = Object.values(Callback);
import { readText } from './buffers.ts';
import { takeCallout } from './callout-registry.ts';
import { readCalloutResponse } from './callouts.ts';
import { HttpContext, type HookResult, type RootContext } from './contexts.ts';
import { forgetLogLevel, log } from './log.ts';
import { takeRedisCall } from './redis/pending.ts';

type Direction = 'request' | 'response';

let factory: (() => RootContext) | undefined;
const roots = new Map<number, RootContext>();
const streams = new Map<number, HttpContext>();
/** The direction of the last hook that ran per stream: where a failure in a later callback resumes or answers. */
const phases = new WeakMap<HttpContext, Direction>();
/**
 * Stream directions waiting on a hook's promise (`id * 2`, + 1 for the response). Under ABI 0.2.100 a
 * Pause from headers holds only the headers and body callbacks keep coming: while the direction waits,
 * a body or trailers hook that answers Continue is held too (the body stays buffered) until the promise
 * settles, as under 0.2.1, where Envoy delivers nothing while headers are held.
 */
const waiting = new Map<number, number>();
const waitKey = (id: number, direction: Direction) => id * 2 + (direction === 'response' ? 1 : 0);
const settled = (key: number) => {
  const left = (waiting.get(key) ?? 1) - 1;
  if (left > 0) waiting.set(key, left);
  else waiting.delete(key);
};
const alive = (ctx: HttpContext) => streams.get(ctx.id) === ctx;
/**
 * The stream the running callback belongs to (0: the root), set when a callback starts and kept while
 * the promise jobs it queued run, which the engine drains before the callback returns. Calls that
 * answer later (Redis) answer the stream that asked.
 */
let current = 0;

export function currentStreamId(): number {
  return current;
}

/** Registers the plugin: `create` makes its root context when Envoy starts the plugin. */
export function registerRootContext(create: () => RootContext): void {
  factory = create;
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const head = `${error.name}: ${error.message}`;
  const stack = error.stack ?? '';
  return stack.startsWith(head) ? stack : `${head}\n${stack}`.trimEnd();
}

function resume(ctx: HttpContext, direction: Direction): void {
  if (direction === 'request') ctx.resumeRequest();
  else ctx.resumeResponse();
}

function answer(ctx: HttpContext, error: unknown): ReturnType<RootContext['onHookError']> {
  if (ctx.failOpen) return 'continue';
  try {
    return ctx.root.onHookError(error, ctx);
  } catch (policyError) {
    log.error(`onHookError of stream ${ctx.id} threw: ${describeError(policyError)}`);
    return 'continue';
  }
}

function fail(ctx: HttpContext, hook: string, error: unknown, direction: Direction, later: boolean): number {
  log.error(`${hook} of stream ${ctx.id} threw: ${describeError(error)}`);
  if (!alive(ctx)) return Action.Continue;
  const reply = answer(ctx, error);
  if (reply === 'continue') {
    if (later) resume(ctx, direction);
    return Action.Continue;
  }
  if (later) host.setEffectiveContext(ctx.id);
  ctx.reply(reply);
  return Action.Pause;
}

type StreamHook = 'onRequestHeaders' | 'onRequestBody' | 'onRequestTrailers' | 'onResponseHeaders' | 'onResponseBody' | 'onResponseTrailers';

/**
 * Runs hook `hook` of stream `id` with `(size, endOfStream)` (trailers hooks ignore the flag) and answers
 * the ABI value of its action (`headers`: Pause holds everything, PauseHeaders only the headers).
 */
function runHook(id: number, hook: StreamHook, direction: Direction, size: number, end: number, headers: boolean): number {
  const ctx = streams.get(id);
  if (!ctx) return 0;
  current = id;
  phases.set(ctx, direction);
  let action: number;
  try {
    const result: HookResult = ctx[hook](size, end !== 0);
    if (typeof result === 'number') action = result === Action.Continue && waiting.size > 0 && waiting.has(waitKey(id, direction)) ? Action.Pause : result;
    else {
      const key = waitKey(id, direction);
      waiting.set(key, (waiting.get(key) ?? 0) + 1);
      result.then(
        (settledAction: Action) => {
          settled(key);
          if (alive(ctx) && settledAction === Action.Continue) resume(ctx, direction);
        },
        (error) => {
          settled(key);
          fail(ctx, hook, error, direction, true);
        },
      );
      action = Action.Pause;
    }
  } catch (error) {
    action = fail(ctx, hook, error, direction, false);
  }
  if (action === Action.Continue) return 0;
  if (headers) return action === Action.Pause ? 4 : action === Action.PauseHeaders ? 1 : action;
  return action === Action.PauseHeaders ? 1 : action;
}

function guarded(what: string, fallback: number, run: () => number | void, onError = fallback): number {
  try {
    return run() ?? fallback;
  } catch (error) {
    log.error(`${what} threw: ${describeError(error)}`);
    return onError;
  }
}

function createContext(id: number, parent: number): void {
  if (parent === 0) {
    if (!factory) throw new Error('no plugin registered: call registerRootContext() in the plugin entry');
    const root = factory();
    root.id = id;
    roots.set(id, root);
    return;
  }
  const root = roots.get(parent);
  if (!root) return;
  try {
    const ctx = root.createHttpContext(id);
    if (ctx) streams.set(id, ctx);
  } catch (error) {
    streams.set(id, new BrokenContext(id, root, error));
  }
}

/** Stands in for a stream whose context could not be created: its first hook fails the way a throwing hook does. */
class BrokenContext extends HttpContext {
  constructor(
    id: number,
    root: RootContext,
    private readonly error: unknown,
  ) {
    super(id, root);
  }
  override onRequestHeaders(): HookResult {
    throw this.error;
  }
}

/**
 * Runs an answer's handler as the stream that sent the call (its effective context, its failure policy),
 * or as the root; answers `false`, running nothing, when that stream has ended or the root is not ours.
 */
function answerCaller(rootId: number, streamId: number, what: string, token: number, run: () => void): boolean {
  if (!roots.has(rootId)) return false;
  const ctx = streamId ? streams.get(streamId) : undefined;
  if (streamId && !ctx) {
    log.debug(`${what} ${token} answered after stream ${streamId} ended`);
    return false;
  }
  if (ctx) host.setEffectiveContext(ctx.id);
  current = streamId;
  try {
    run();
  } catch (error) {
    if (ctx) fail(ctx, `${what} handler`, error, phases.get(ctx) ?? 'request', true);
    else log.error(`${what} handler of root ${rootId} threw: ${describeError(error)}`);
  }
  return true;
}

function calloutAnswered(rootId: number, token: number, headers: number, body: number, trailers: number): void {
  const pending = takeCallout(token);
  if (pending) answerCaller(rootId, pending.streamId, 'callout', token, () => pending.handler(readCalloutResponse(headers, body, trailers)));
}

function redisAnswered(rootId: number, token: number, status: number, size: number): void {
  const pending = takeRedisCall(token);
  if (!pending || answerCaller(rootId, pending.streamId, 'redis call', token, () => pending.deliver(status, size))) return;
  const orphan = pending.orphan;
  if (!orphan || !answerCaller(rootId, 0, 'redis call', token, () => orphan(status, size))) pending.forget();
}

function remove(id: number): void {
  const ctx = streams.get(id);
  if (ctx) {
    waiting.delete(waitKey(id, 'request'));
    waiting.delete(waitKey(id, 'response'));
    guarded('onDelete', 0, () => ctx.onDelete());
    streams.delete(id);
    return;
  }
  const root = roots.get(id);
  if (root) guarded('onDelete', 0, () => root.onDelete());
  roots.delete(id);
}

type Handler = (a: number, b: number, c: number, d: number, e: number) => number;

const rootOf = (id: number) => roots.get(id);

/** One handler per callback kind, indexed by kind; none allocates a closure per call. */
const HANDLERS: Handler[] = [];
HANDLERS[Callback.ContextCreate] = (a, b) => guarded('context creation', 0, () => createContext(a, b));
HANDLERS[Callback.VmStart] = (a) => guarded('onVmStart', 1, () => (rootOf(a)?.onVmStart(readText('vm configuration')) === false ? 0 : 1), 0);
HANDLERS[Callback.Configure] = (a, b) => guarded('onConfigure', 1, () => (rootOf(a)?.onConfigure(b > 0 ? readText('plugin configuration') : '') === false ? 0 : 1), 0);
HANDLERS[Callback.Tick] = (a) => guarded('onTick', 0, () => rootOf(a)?.onTick());
HANDLERS[Callback.QueueReady] = (a, b) => guarded('onQueueReady', 0, () => rootOf(a)?.onQueueReady(b));
HANDLERS[Callback.RequestHeaders] = (a, b, c) => runHook(a, 'onRequestHeaders', 'request', b, c, true);
HANDLERS[Callback.RequestBody] = (a, b, c) => runHook(a, 'onRequestBody', 'request', b, c, false);
HANDLERS[Callback.RequestTrailers] = (a, b) => runHook(a, 'onRequestTrailers', 'request', b, 0, false);
HANDLERS[Callback.ResponseHeaders] = (a, b, c) => runHook(a, 'onResponseHeaders', 'response', b, c, true);
HANDLERS[Callback.ResponseBody] = (a, b, c) => runHook(a, 'onResponseBody', 'response', b, c, false);
HANDLERS[Callback.ResponseTrailers] = (a, b) => runHook(a, 'onResponseTrailers', 'response', b, 0, false);
HANDLERS[Callback.HttpCallResponse] = (a, b, c, d, e) => guarded('callout', 0, () => calloutAnswered(a, b, c, d, e));
HANDLERS[Callback.Done] = (a) => {
  const ctx = streams.get(a);
  if (ctx) return guarded('onDone', 1, () => ctx.onDone());
  return guarded('onDone', 1, () => (rootOf(a)?.onDone() === false ? 0 : 1));
};
HANDLERS[Callback.Log] = (a) => {
  const ctx = streams.get(a);
  return ctx ? guarded('onLog', 0, () => ctx.onLog()) : 0;
};
HANDLERS[Callback.RedisCallResponse] = (a, b, c, d) => guarded('redis reply', 0, () => redisAnswered(a, b, c, d));
HANDLERS[Callback.Delete] = (a) => {
  remove(a);
  return 0;
};

/**
 * Callbacks that read Envoy's log level afresh: root callbacks, a stream's first, and answers to
 * callouts; a stream's later callbacks keep the level its request headers saw (Envoy changes it rarely,
 * and each read is a host call).
 */
const FRESH_LOG_LEVEL = CALLBACK_KINDS.map((kind) => kind !== Callback.RequestBody && kind !== Callback.RequestTrailers && kind !== Callback.ResponseHeaders && kind !== Callback.ResponseBody && kind !== Callback.ResponseTrailers && kind !== Callback.Log && kind !== Callback.Done && kind !== Callback.Delete);

function dispatch(kind: number, a: number, b: number, c: number, d: number, e: number): number {
  const handler = HANDLERS[kind];
  current = 0;
  if (FRESH_LOG_LEVEL[kind]) forgetLogLevel();
  return handler ? handler(a, b, c, d, e) : 0;
}

(globalThis as unknown as { __proxy_dispatch: typeof dispatch }).__proxy_dispatch = dispatch;
