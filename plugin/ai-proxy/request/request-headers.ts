/**
 * Request headers: pick the provider for this route, check the API, method, content type and declared
 * size, choose a token, then rewrite host, path and authentication. The client's own credentials never go
 * upstream, and `accept-encoding`/`content-length` are dropped because the body and answer are inspected.
 */
import { Action, log, setProperty, type HookResult } from '../../sdk/index.ts';
import { replyError } from '../errors.ts';
import type { AiProxyStream } from '../stream.ts';
import { withBasePath } from '../config/upstream-paths.ts';
import { API_METHOD, CLIENT_PATH, parseClientPath, withQuery } from './api-route.ts';

const CLIENT_CREDENTIALS = ['authorization', 'api-key', 'x-api-key', 'proxy-authorization'];

function rewriteCommon(s: AiProxyStream, path: string): void {
  const provider = s.provider!;
  const headers = s.requestHeaders;
  for (const name of CLIENT_CREDENTIALS) headers.remove(name);
  headers.remove('accept-encoding');
  headers.set(':authority', provider.spec.host(provider.settings));
  headers.set(':path', path);
  for (const [name, value] of provider.spec.authHeaders(provider.tokens.pick(headers.get('x-mse-consumer')))) headers.set(name, value);
  for (const [name, value] of provider.spec.extraHeaders(provider.settings)) headers.set(name, value);
  headers.set('x-envoy-upstream-rq-timeout-ms', String(provider.timeoutMs));
  if (provider.firstByteTimeoutMs !== undefined) headers.set('x-envoy-upstream-rq-first-byte-timeout-ms', String(provider.firstByteTimeoutMs));
}

export function handleRequestHeaders(s: AiProxyStream, endOfStream: boolean): HookResult {
  const provider = s.root.configFor(s)?.active;
  if (!provider) return Action.Continue;
  s.provider = provider;
  setProperty(['clear_route_cache'], 'off');
  const headers = s.requestHeaders;
  const raw = headers.get(':path') ?? '/';
  if (provider.protocol === 'original') {
    rewriteCommon(s, withBasePath(raw, provider.paths.basePath));
    return Action.Continue;
  }
  const { api, path, query } = parseClientPath(raw);
  const upstreamPath = api && provider.paths.api[api];
  if (!api || !upstreamPath) {
    replyError(s, { status: 404, code: 'unsupported_api', message: `the path ${path} is not supported by provider "${provider.id}" (type ${provider.spec.type}); supported: ${supported(s)}` });
    return Action.Pause;
  }
  s.api = api;
  const method = headers.get(':method') ?? 'GET';
  if (method !== API_METHOD[api]) {
    replyError(s, { status: 405, code: 'method_not_allowed', message: `${path} accepts ${API_METHOD[api]}, not ${method}` });
    return Action.Pause;
  }
  if (api !== 'models') {
    const problem = checkBodyHeaders(s, endOfStream);
    if (problem) return problem;
  }
  rewriteCommon(s, withQuery(upstreamPath, query));
  if (api !== 'models') headers.remove('content-length');
  log.debug(`ai-proxy: ${api} request routed to provider "${provider.id}" at ${provider.spec.host(provider.settings)}${upstreamPath}`);
  return Action.Continue;
}

function supported(s: AiProxyStream): string {
  const paths = s.provider!.paths.api;
  return (['chat', 'embeddings', 'models'] as const)
    .filter((api) => paths[api] !== undefined)
    .map((api) => CLIENT_PATH[api])
    .join(', ');
}

function checkBodyHeaders(s: AiProxyStream, endOfStream: boolean): HookResult | undefined {
  const headers = s.requestHeaders;
  const type = headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    replyError(s, { status: 415, code: 'unsupported_media_type', message: `the request body must be application/json, got ${type === '' ? 'no content-type' : JSON.stringify(type)}` });
    return Action.Pause;
  }
  const declared = Number(headers.get('content-length') ?? '0');
  if (declared > s.provider!.maxRequestBodyBytes) {
    replyError(s, { status: 413, code: 'request_too_large', message: `the request body of ${declared} bytes exceeds the limit of ${s.provider!.maxRequestBodyBytes} bytes` });
    return Action.Pause;
  }
  if (endOfStream) {
    replyError(s, { status: 400, code: 'missing_body', message: 'the request has no body; send a JSON object' });
    return Action.Pause;
  }
  return undefined;
}
