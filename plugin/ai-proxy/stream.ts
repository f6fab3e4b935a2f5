/**
 * One request through the AI proxy: picks the provider for the route (none: the stream passes untouched),
 * keeps the state the phases share (the request state, the response's relay mode and usage) and
 * delegates each hook to the module that owns its phase.
 */
import { Action, HttpContext, type HookResult } from '../sdk/index.ts';
import type { AiProxyRoot } from './root.ts';
import { handleRequestHeaders } from './request/request-headers.ts';
import { handleRequestBody } from './request/request-body.ts';
import { handleResponseHeaders, type ResponseMode } from './response/response-headers.ts';
import { handleResponseBody } from './response/response-body.ts';
import { UsageTracker } from './response/usage.ts';
import type { SseParser } from './response/sse-parser.ts';
import type { ProxyError } from './errors.ts';
import { RequestState } from './request-state.ts';
import { recordUsage } from './telemetry.ts';

export class AiProxyStream extends HttpContext<AiProxyRoot> {
  request?: RequestState;
  responseMode: ResponseMode = 'pass';
  readonly usage = new UsageTracker();
  sse?: SseParser;
  replacement?: ProxyError;
  readonly copy: ArrayBuffer[] = [];
  copiedBytes = 0;
  recorded = false;

  override onRequestHeaders(_numHeaders: number, endOfStream: boolean): HookResult {
    const provider = this.root.configFor(this)?.active;
    if (!provider) return Action.Continue;
    this.request = new RequestState(provider);
    return handleRequestHeaders(this, this.request, endOfStream);
  }

  override onRequestBody(bodySize: number, endOfStream: boolean): HookResult {
    const request = this.request;
    if (!request || request.provider.protocol === 'original' || request.api === 'models') return Action.Continue;
    return handleRequestBody(this, request, bodySize, endOfStream);
  }

  override onResponseHeaders(_numHeaders: number, endOfStream: boolean): HookResult {
    if (!this.request) return Action.Continue;
    return handleResponseHeaders(this, endOfStream);
  }

  override onResponseBody(bodySize: number, endOfStream: boolean): HookResult {
    if (!this.request) return Action.Continue;
    return handleResponseBody(this, bodySize, endOfStream);
  }

  override onLog(): void {
    if (this.request?.api && !this.recorded) recordUsage(this, false);
  }
}
