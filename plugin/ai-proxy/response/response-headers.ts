/**
 * Response headers: decide how the answer is relayed. Successful answers pass through untouched (SSE is
 * parsed on the side for usage); other upstream errors pass through unchanged (429 keeps `retry-after`
 * and `x-ratelimit-*`); a retired provider's 410, Envoy's own upstream failures and the GitHub catalog are
 * replaced by OpenAI-shaped bodies (an answer without a body is replaced by a local reply, since no body
 * callback follows).
 */
import { Action, getProperty, type HookResult } from '../../sdk/index.ts';
import { replyError, type ProxyError } from '../errors.ts';
import { recordUsage } from '../telemetry.ts';
import type { AiProxyStream } from '../stream.ts';
import { SseParser } from './sse-parser.ts';

export type ResponseMode = 'pass' | 'sse' | 'json' | 'replace' | 'catalog';

function envoyFailure(details: string | undefined, s: AiProxyStream): ProxyError | undefined {
  if (!details || details.startsWith('ai-proxy.') || details === 'via_upstream') return undefined;
  if (details.startsWith('upstream_reset_before_response_started') || details === 'no_healthy_upstream') {
    return { status: 503, code: 'upstream_unavailable', message: `provider "${s.request!.provider.id}" could not be reached or closed the connection before answering (${details})` };
  }
  if (details === 'upstream_response_timeout' || details === 'upstream_per_try_timeout') {
    return { status: 504, code: 'upstream_timeout', message: `provider "${s.request!.provider.id}" did not answer in time (timeout ${s.request!.provider.timeoutMs} ms)` };
  }
  if (details === 'request_payload_too_large') {
    return { status: 413, code: 'request_too_large', message: `the request body exceeds the limit of ${s.request!.provider.maxRequestBodyBytes} bytes` };
  }
  return undefined;
}

export function handleResponseHeaders(s: AiProxyStream, endOfStream: boolean): HookResult {
  const headers = s.responseHeaders;
  s.request!.status = Number(headers.get(':status') ?? '0');
  const provider = s.request!.provider;
  if (provider.protocol === 'original' || !s.request!.api) return Action.Continue;
  const retired = provider.spec.retired;
  s.replacement = retired && s.request!.status === retired.status ? { status: s.request!.status, code: 'provider_retired', message: retired.message } : envoyFailure(getProperty(['response', 'code_details']), s);
  const ok = s.request!.status >= 200 && s.request!.status < 300;
  if (s.replacement && endOfStream) {
    replyError(s, s.replacement);
    recordUsage(s, true);
    return Action.Pause;
  }
  if (s.replacement) s.responseMode = 'replace';
  else if (ok && s.request!.api === 'models' && provider.spec.modelsFormat === 'github-catalog') s.responseMode = 'catalog';
  else if (ok && /^text\/event-stream/i.test(headers.get('content-type') ?? '')) {
    s.responseMode = 'sse';
    s.sse = new SseParser();
  } else s.responseMode = ok ? 'json' : 'pass';
  if ((s.responseMode === 'replace' || s.responseMode === 'catalog') && !endOfStream) {
    headers.remove('content-length');
    headers.set('content-type', 'application/json');
  }
  return Action.Continue;
}
