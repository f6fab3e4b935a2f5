/**
 * Errors the plugin answers itself, in OpenAI's shape `{"error":{"message","type","code"}}` with a fitting
 * status; every reply also carries response details `ai-proxy.<code>` for Envoy's access log.
 */
import type { HttpContext } from '../sdk/contexts.ts';

export interface ProxyError {
  status: number;
  code: string;
  message: string;
  type?: string;
}

export function errorType(status: number): string {
  if (status === 410) return 'provider_retired';
  if (status >= 500) return 'upstream_error';
  return 'invalid_request_error';
}

export function errorBody(error: ProxyError): string {
  return JSON.stringify({ error: { message: error.message, type: error.type ?? errorType(error.status), code: error.code } });
}

export const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

/** Answers the stream with `error`; the hook that calls it should return Pause. */
export function replyError(ctx: HttpContext, error: ProxyError): void {
  ctx.sendLocalResponse(error.status, errorBody(error), JSON_HEADERS, `ai-proxy.${error.code}`);
}
