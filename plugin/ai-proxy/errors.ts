/**
 * Errors the plugin answers itself, in OpenAI's shape `{"error":{"message","type","code"}}` with a fitting
 * status; every reply also carries response details `ai-proxy.<code>` for Envoy's access log. A hook that
 * throws is answered the same way (`PLUGIN_FAILURE`, code `plugin_exception`).
 */
import type { HttpContext, LocalReply } from '../sdk/index.ts';

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

/** What a stream gets when a hook of the plugin throws (the SDK's `onHookError`): a 500 in the same shape. */
export const PLUGIN_FAILURE: LocalReply = {
  status: 500,
  body: errorBody({ status: 500, code: 'plugin_exception', type: 'plugin_error', message: 'the gateway plugin failed while handling this request' }),
  headers: JSON_HEADERS,
  details: 'wasm_plugin_exception',
};

/** Answers the stream with `error`; the hook that calls it should return Pause. */
export function replyError(ctx: HttpContext, error: ProxyError): void {
  ctx.sendLocalResponse(error.status, errorBody(error), JSON_HEADERS, `ai-proxy.${error.code}`);
}
