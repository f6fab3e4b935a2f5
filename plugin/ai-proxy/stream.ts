/**
 * One request through the AI proxy: the state the phases share (provider, API, models, streaming mode,
 * usage) and the hooks, each delegating to the module that owns its phase.
 */
import { Action, HttpContext, type HookResult } from '../sdk/index.ts';
import type { ProviderConfig } from './config/provider-config.ts';
import type { ApiName } from './providers/types.ts';
import type { AiProxyRoot } from './root.ts';
import { handleRequestHeaders } from './request/request-headers.ts';
import { handleRequestBody } from './request/request-body.ts';
import { handleResponseHeaders, type ResponseMode } from './response/response-headers.ts';
import { handleResponseBody } from './response/response-body.ts';
import { UsageTracker } from './response/usage.ts';
import type { SseParser } from './response/sse-parser.ts';
import type { ProxyError } from './errors.ts';
import { recordUsage } from './telemetry.ts';

export class AiProxyStream extends HttpContext<AiProxyRoot> {
  provider?: ProviderConfig;
  api?: ApiName;
  requestModel?: string;
  upstreamModel?: string;
  streaming = false;
  status = 0;
  responseMode: ResponseMode = 'pass';
  readonly usage = new UsageTracker();
  sse?: SseParser;
  replacement?: ProxyError;
  readonly copy: ArrayBuffer[] = [];
  copiedBytes = 0;
  recorded = false;

  override onRequestHeaders(_numHeaders: number, endOfStream: boolean): HookResult {
    return handleRequestHeaders(this, endOfStream);
  }

  override onRequestBody(bodySize: number, endOfStream: boolean): HookResult {
    if (!this.provider || this.provider.protocol === 'original' || this.api === 'models') return Action.Continue;
    return handleRequestBody(this, bodySize, endOfStream);
  }

  override onResponseHeaders(_numHeaders: number, endOfStream: boolean): HookResult {
    if (!this.provider) return Action.Continue;
    return handleResponseHeaders(this, endOfStream);
  }

  override onResponseBody(bodySize: number, endOfStream: boolean): HookResult {
    if (!this.provider) return Action.Continue;
    return handleResponseBody(this, bodySize, endOfStream);
  }

  override onLog(): void {
    if (this.provider && this.api && !this.recorded) recordUsage(this, false);
  }
}
