/**
 * Request headers, once a provider is picked for the route: check the API, method, content type and
 * declared size, choose a token, then rewrite host, path and authentication. The client's own credentials
 * never go upstream, and `accept-encoding`/`content-length` are dropped because the body and answer are
 * inspected.
 */
import { Action, log, setProperty, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { replyError } from '../errors.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import { withBasePath } from '../config/upstream-paths.ts';
import type { RequestState } from '../request-state.ts';
import { API_METHOD, CLIENT_PATH, parseClientPath, withQuery } from './api-route.ts';

const CLIENT_CREDENTIALS = ['authorization', 'api-key', 'x-api-key', 'proxy-authorization'];

function rewriteCommon(ctx: HttpContext, provider: ProviderConfig, path: string): void {
  const headers = ctx.requestHeaders;
  for (const name of CLIENT_CREDENTIALS) headers.remove(name);
  headers.remove('accept-encoding');
  headers.set(':authority', provider.spec.host(provider.settings));
  headers.set(':path', path);
  for (const [name, value] of provider.spec.authHeaders(provider.tokens.pick(headers.get('x-mse-consumer')))) headers.set(name, value);
  for (const [name, value] of provider.spec.extraHeaders(provider.settings)) headers.set(name, value);
  headers.set('x-envoy-upstream-rq-timeout-ms', String(provider.timeoutMs));
  if (provider.firstByteTimeoutMs !== undefined) headers.set('x-envoy-upstream-rq-first-byte-timeout-ms', String(provider.firstByteTimeoutMs));
}

export function handleRequestHeaders(ctx: HttpContext, request: RequestState, endOfStream: boolean): HookResult {
  const provider = request.provider;
  setProperty(['clear_route_cache'], 'off');
  const headers = ctx.requestHeaders;
  const raw = headers.get(':path') ?? '/';
  if (provider.protocol === 'original') {
    rewriteCommon(ctx, provider, withBasePath(raw, provider.paths.basePath));
    return Action.Continue;
  }
  const { api, path, query } = parseClientPath(raw);
  const upstreamPath = api && provider.paths.api[api];
  if (!api || !upstreamPath) {
    replyError(ctx, { status: 404, code: 'unsupported_api', message: `the path ${path} is not supported by provider "${provider.id}" (type ${provider.spec.type}); supported: ${supported(provider)}` });
    return Action.Pause;
  }
  request.api = api;
  const method = headers.get(':method') ?? 'GET';
  if (method !== API_METHOD[api]) {
    replyError(ctx, { status: 405, code: 'method_not_allowed', message: `${path} accepts ${API_METHOD[api]}, not ${method}` });
    return Action.Pause;
  }
  if (api !== 'models') {
    const problem = checkBodyHeaders(ctx, provider, endOfStream);
    if (problem) return problem;
  }
  rewriteCommon(ctx, provider, withQuery(upstreamPath, query));
  if (api !== 'models') headers.remove('content-length');
  log.debug(`ai-proxy: ${api} request routed to provider "${provider.id}" at ${provider.spec.host(provider.settings)}${upstreamPath}`);
  return Action.Continue;
}

function supported(provider: ProviderConfig): string {
  const paths = provider.paths.api;
  return (['chat', 'embeddings', 'models'] as const)
    .filter((api) => paths[api] !== undefined)
    .map((api) => CLIENT_PATH[api])
    .join(', ');
}

function checkBodyHeaders(ctx: HttpContext, provider: ProviderConfig, endOfStream: boolean): HookResult | undefined {
  const headers = ctx.requestHeaders;
  const type = headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    replyError(ctx, { status: 415, code: 'unsupported_media_type', message: `the request body must be application/json, got ${type === '' ? 'no content-type' : JSON.stringify(type)}` });
    return Action.Pause;
  }
  const declared = Number(headers.get('content-length') ?? '0');
  if (declared > provider.maxRequestBodyBytes) {
    replyError(ctx, { status: 413, code: 'request_too_large', message: `the request body of ${declared} bytes exceeds the limit of ${provider.maxRequestBodyBytes} bytes` });
    return Action.Pause;
  }
  if (endOfStream) {
    replyError(ctx, { status: 400, code: 'missing_body', message: 'the request has no body; send a JSON object' });
    return Action.Pause;
  }
  return undefined;
}
