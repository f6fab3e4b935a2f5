/**
 * Usage for access logs and metrics: the filter state `wasm.ai_log` (JSON: provider, requested, upstream
 * and answering model, token counts, streaming, status, whether the answer arrived complete) and, for
 * requests sent upstream with a model (named by the client or by the `*` mapping), counters per route
 * and model: `ai_proxy.route.<route>.model.<model>.{requests,input_token,output_token,total_token}`.
 */
import { Counter, getProperty, log, metric, setProperty } from '../sdk/index.ts';
import type { RequestState } from './request-state.ts';
import type { UsageTracker } from './response/usage.ts';

function label(value: string | undefined): string {
  return (value || 'unknown').replace(/[^A-Za-z0-9_\-/]/g, '_');
}

/** `complete`: the answer's end of stream was seen (false when recorded at log time after a reset). */
export function recordUsage(request: RequestState, tracker: UsageTracker, complete: boolean): void {
  const usage = tracker.usage;
  const model = tracker.model ?? request.upstreamModel ?? request.requestModel;
  const entry = {
    provider: request.provider.id,
    api: request.api,
    request_model: request.requestModel,
    upstream_model: request.upstreamModel,
    model,
    stream: request.streaming,
    status: request.status,
    input_token: usage?.promptTokens ?? 0,
    output_token: usage?.completionTokens ?? 0,
    total_token: usage?.totalTokens ?? 0,
    complete,
  };
  setProperty(['ai_log'], JSON.stringify(entry));
  if (request.upstreamModel === undefined) return;
  const prefix = `ai_proxy.route.${label(getProperty(['route_name']))}.model.${label(model)}`;
  metric(Counter, `${prefix}.requests`).increment(1);
  if (usage) {
    if (usage.promptTokens > 0) metric(Counter, `${prefix}.input_token`).increment(usage.promptTokens);
    if (usage.completionTokens > 0) metric(Counter, `${prefix}.output_token`).increment(usage.completionTokens);
    if (usage.totalTokens > 0) metric(Counter, `${prefix}.total_token`).increment(usage.totalTokens);
  }
  log.debug(`ai-proxy: ${entry.api} via "${entry.provider}" model ${model ?? '?'} status ${request.status} tokens ${entry.input_token}/${entry.output_token}`);
}
