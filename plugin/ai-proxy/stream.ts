/**
 * One request through the AI proxy: picks the provider for the route (none: the stream passes untouched),
 * then creates the request state and the response relay and delegates each hook to the module that owns
 * its phase.
 */
import { Action, HttpContext, type HookResult } from '../sdk/index.ts';
import type { HigressRootContext } from '../sdk/higress/index.ts';
import type { AiProxyConfig } from './config/plugin-config.ts';
import { RequestState } from './request-state.ts';
import { handleRequestHeaders } from './request/request-headers.ts';
import { handleRequestBody } from './request/request-body.ts';
import { handleMultipartBody } from './request/multipart-body.ts';
import { ResponseRelay } from './response/response-relay.ts';
import { replyError } from './errors.ts';
import { RequestLimits } from './limits/request-limits.ts';
import { readKeys } from './limits/key-sources.ts';
import { CacheState } from './cache/cache-state.ts';

export class AiProxyStream extends HttpContext<HigressRootContext<AiProxyConfig>> {
  private declare state?: RequestState;
  private declare relay?: ResponseRelay;

  override onRequestHeaders(_numHeaders: number, endOfStream: boolean): HookResult {
    const config = this.root.configFor(this);
    const provider = config?.active;
    if (!provider) return Action.Continue;
    this.state = new RequestState(provider);
    const limits = config.rateLimits;
    if (limits.length > 0) this.state.limits = new RequestLimits(limits, readKeys(limits, this.requestHeaders));
    const cache = provider.cache ?? config.cache;
    if (cache) this.state.cache = new CacheState(cache, this.requestHeaders);
    this.relay = new ResponseRelay(this.state);
    return handleRequestHeaders(this, this.state, endOfStream);
  }

  override onRequestBody(bodySize: number, endOfStream: boolean): HookResult {
    const state = this.state;
    if (!state || state.body === 'unread') return Action.Continue;
    if (state.body === 'json') return handleRequestBody(this, state, bodySize, endOfStream);
    const boundary = state.multipartBoundary;
    return boundary === undefined ? Action.Continue : handleMultipartBody(this, state, boundary, bodySize, endOfStream);
  }

  /**
   * A JSON body is checked and rewritten at its end of stream, which trailers would skip (and on the
   * Higress build release the held headers unrewritten), and the start of a multipart body held for its
   * model field would be lost: such requests are refused.
   */
  override onRequestTrailers(): HookResult {
    const state = this.state;
    if (!state || state.body === 'unread' || (state.body === 'multipart' && state.multipartBoundary === undefined)) return Action.Continue;
    replyError(this, { status: 400, code: 'unsupported_trailers', message: `request trailers are not supported: send the ${state.body === 'json' ? 'JSON body' : 'multipart form'} without trailers` });
    return Action.Pause;
  }

  override onResponseHeaders(_numHeaders: number, endOfStream: boolean): HookResult {
    return this.relay ? this.relay.onResponseHeaders(this, endOfStream) : Action.Continue;
  }

  override onResponseBody(bodySize: number, endOfStream: boolean): HookResult {
    return this.relay ? this.relay.onResponseBody(this, bodySize, endOfStream) : Action.Continue;
  }

  override onLog(): void {
    this.relay?.onLog();
  }
}
