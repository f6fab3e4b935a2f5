/**
 * Test plugin for the SDK's failure containment. The request header `x-fail` picks where a handler
 * throws: `request-headers`, `request-body`, `response-headers`, `async-reject` (an async
 * onRequestHeaders that rejects after awaiting a callout to the `auth` cluster), `callout-handler` (the
 * handler of a callback-form callout throws), `response-callout-handler` (the same, for a callout issued
 * from onResponseHeaders), `deep-recursion` (unbounded recursion) and `deep-regex` (a regular expression
 * nested 50 000 groups deep). `x-fail-open: 1` makes the stream fail-open. A failed stream gets an
 * OpenAI-shaped 500 from `onHookError`, or the SDK's default reply with `x-default-policy: 1`; with
 * `x-policy-throws: 1` the policy itself throws (the stream then passes). The plugin configuration
 * `{"failConfigure": true}` throws in onConfigure; `{"tickMs": n}` starts ticks whose handler logs
 * `tick <n>` and then throws; `{"failCreate": true}` makes createHttpContext throw for the first stream.
 * Every throw goes through a method with a recognisable name so that tests can find it in the logged stack.
 */
import { Action, HttpContext, RootContext, registerRootContext, log, parseJson, type HookResult, type LocalReply } from '../../index.ts';

const AUTH = { cluster: 'auth', path: '/check', authority: 'auth.internal', timeoutMs: 1000 };
const OPENAI_ERROR = JSON.stringify({
  error: { message: 'the gateway plugin failed while handling this request', type: 'plugin_error', code: 'plugin_exception' },
});

class ErrorsRoot extends RootContext {
  ticks = 0;
  failCreate = false;

  override onConfigure(configuration: string): boolean {
    const parsed = parseJson(configuration || '{}');
    const config = (parsed.ok ? parsed.value : {}) as { failConfigure?: boolean; tickMs?: number; failCreate?: boolean };
    this.failCreate = config.failCreate === true;
    if (config.failConfigure) this.explodeInConfigure();
    if (config.tickMs) this.setTickPeriod(config.tickMs);
    return true;
  }

  explodeInConfigure(): never {
    throw new Error('configure exploded');
  }

  override onTick(): void {
    this.ticks++;
    log.info(`tick ${this.ticks}`);
    this.explodeInTick();
  }

  explodeInTick(): never {
    throw new Error(`tick ${this.ticks} exploded`);
  }

  override onHookError(error: unknown, ctx: HttpContext): LocalReply | 'continue' {
    if (ctx.requestHeaders.get('x-policy-throws') === '1') throw new Error('the policy exploded too');
    if ((ctx as ErrorsContext).defaultPolicy) return super.onHookError(error, ctx);
    return { status: 500, body: OPENAI_ERROR, headers: [['content-type', 'application/json']], details: 'wasm_plugin_exception' };
  }

  createHttpContext(id: number): HttpContext {
    if (this.failCreate) {
      this.failCreate = false;
      this.explodeInCreateHttpContext();
    }
    return new ErrorsContext(id, this);
  }

  explodeInCreateHttpContext(): never {
    throw new Error('context creation exploded');
  }
}

class ErrorsContext extends HttpContext<ErrorsRoot> {
  mode = '';
  defaultPolicy = false;

  override onRequestHeaders(): HookResult {
    this.mode = this.requestHeaders.get('x-fail') ?? '';
    this.failOpen = this.requestHeaders.get('x-fail-open') === '1';
    this.defaultPolicy = this.requestHeaders.get('x-default-policy') === '1';
    this.requestHeaders.set('x-seen-by-plugin', 'yes');
    if (this.mode === 'request-headers') this.explodeInRequestHeaders();
    if (this.mode === 'deep-recursion') this.recurseWithoutEnd(0);
    if (this.mode === 'deep-regex') this.compileDeepRegex(50_000);
    if (this.mode === 'async-reject') return this.rejectAfterCallout();
    if (this.mode === 'callout-handler') {
      this.httpCall(AUTH, (response) => this.explodeInCalloutHandler(response.status));
      return Action.Pause;
    }
    return Action.Continue;
  }

  override onRequestBody(): HookResult {
    if (this.mode === 'request-body') this.explodeInRequestBody();
    return Action.Continue;
  }

  override onResponseHeaders(): HookResult {
    if (this.mode === 'response-headers') this.explodeInResponseHeaders();
    if (this.mode === 'response-callout-handler') {
      this.httpCall(AUTH, (response) => this.explodeInCalloutHandler(response.status));
      return Action.Pause;
    }
    this.responseHeaders.set('x-plugin-mode', this.mode || 'none');
    return Action.Continue;
  }

  async rejectAfterCallout(): Promise<Action> {
    const answer = await this.httpCallAsync(AUTH);
    throw new Error(`rejected after a callout answered ${answer.status}`);
  }

  recurseWithoutEnd(depth: number): number {
    return this.recurseWithoutEnd(depth + 1) + 1;
  }

  compileDeepRegex(depth: number): RegExp {
    return new RegExp('('.repeat(depth) + 'a' + ')'.repeat(depth));
  }

  explodeInRequestHeaders(): never {
    throw new Error('request headers exploded');
  }

  explodeInRequestBody(): never {
    throw new TypeError('request body exploded');
  }

  explodeInResponseHeaders(): never {
    throw new Error('response headers exploded');
  }

  explodeInCalloutHandler(status: number): never {
    throw new Error(`callout handler exploded on ${status}`);
  }
}

registerRootContext(() => new ErrorsRoot());
