/**
 * Which answers are replaced by an OpenAI-shaped error instead of relayed: the provider's own retirement
 * status (GitHub Models' 410) and Envoy's own upstream failures, recognised by the response code details.
 * A refused or reset connection before the answer, or no healthy upstream, becomes 503
 * `upstream_unavailable`; a route or per-try timeout 504 `upstream_timeout`; a request body over Envoy's
 * limit 413 `request_too_large`. Envoy never fails with a 2xx, so the details are read only for others. Answers from upstream (`via_upstream`) and the plugin's own local replies
 * (`ai-proxy.*`) are never replaced.
 */
import { getProperty } from '../../sdk/index.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import type { ProxyError } from '../errors.ts';

const CODE_DETAILS = ['response', 'code_details'];

export function replacementFor(provider: ProviderConfig, status: number): ProxyError | undefined {
  const retired = provider.spec.retired;
  if (retired && status === retired.status) return { status, code: 'provider_retired', message: retired.message };
  if (status >= 200 && status < 300) return undefined;
  return envoyFailure(getProperty(CODE_DETAILS), provider);
}

/**
 * The same for the answer of a retry or fallback: Envoy answers a callout it could not complete with its
 * own plain-text 503 (refused, reset) or 504 (timeout) and no code details to tell, so those are
 * recognised by their content type.
 */
export function calloutReplacement(provider: ProviderConfig, status: number, contentType: string | undefined): ProxyError | undefined {
  const retired = provider.spec.retired;
  if (retired && status === retired.status) return { status, code: 'provider_retired', message: retired.message };
  if (!isEnvoyCalloutReply(status, contentType)) return undefined;
  return status === 503
    ? { status: 503, code: 'upstream_unavailable', message: `provider "${provider.id}" could not be reached or closed the connection before answering` }
    : { status: 504, code: 'upstream_timeout', message: `provider "${provider.id}" did not answer in time` };
}

/** Whether a callout answer is Envoy's own reply (plain text 503/504) rather than the provider's. */
export function isEnvoyCalloutReply(status: number, contentType: string | undefined): boolean {
  return (status === 503 || status === 504) && (contentType ?? '').toLowerCase().startsWith('text/plain');
}

function envoyFailure(details: string | undefined, provider: ProviderConfig): ProxyError | undefined {
  if (!details || details.startsWith('ai-proxy.') || details === 'via_upstream') return undefined;
  if (details.startsWith('upstream_reset_before_response_started') || details === 'no_healthy_upstream') {
    return { status: 503, code: 'upstream_unavailable', message: `provider "${provider.id}" could not be reached or closed the connection before answering (${details})` };
  }
  if (details === 'upstream_response_timeout' || details === 'upstream_per_try_timeout') {
    return { status: 504, code: 'upstream_timeout', message: `provider "${provider.id}" did not answer in time (timeout ${provider.timeoutMs} ms)` };
  }
  if (details === 'request_payload_too_large') {
    return { status: 413, code: 'request_too_large', message: `the request body exceeds the limit of ${provider.maxRequestBodyBytes} bytes` };
  }
  return undefined;
}
