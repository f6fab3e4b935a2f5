/**
 * Request headers, once a provider is picked for the route: check the API, method, content type and
 * declared size, choose a token, then rewrite host, path and authentication. The client's own credentials
 * never go upstream, and `accept-encoding`/`content-length` are dropped because the body and answer are
 * inspected. The few headers checked are read one by one (cheaper on QuickJS than the whole map) and
 * the map is rewritten in one host call.
 *
 * On the Higress build a request with a body keeps its headers held (ABI 0.2.100) until the body was
 * read and checked (`releaseHeaders`): a bad body is answered before anything goes upstream, and the
 * upstream headers may depend on it (the first-byte timeout only for streaming requests). On the Envoy
 * build the headers go upstream at once and the body follows once checked.
 */
import { Action, HeaderNames, buildTarget, log, now, setProperty, type HeaderMap, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { isJsonContentType } from '../media-types.ts';
import { replyError } from '../errors.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import { withBasePath } from '../config/upstream-paths.ts';
import type { RequestState } from '../request-state.ts';
import { API_METHOD, CLIENT_PATH, parseClientPath, withQuery } from './api-route.ts';
import { upstreamHeaders } from './upstream-headers.ts';
import { chooseToken } from '../failover/token-choice.ts';
import { admit } from '../limits/admission.ts';

const CREDENTIALS = ['authorization', 'api-key', 'x-api-key', 'proxy-authorization', 'accept-encoding'];
const DROPPED = new HeaderNames(CREDENTIALS);
const DROPPED_WITH_LENGTH = new HeaderNames([...CREDENTIALS, 'content-length']);
const CLEAR_ROUTE_CACHE = ['clear_route_cache'];
/** Requests whose body is not read (the model list, protocol `original`) count against request limits only. */
const NO_TOKENS = { tokens: () => ({ tokens: 0, firm: false }) };
/** Whether request headers wait for the body (the Higress build); read once, when the bundle is evaluated. */
const HOLDS_HEADERS = buildTarget() === 'higress';

/** Rewrites the map for the upstream in one host call; `streaming` false leaves out the first-byte timeout. */
function rewriteCommon(headers: HeaderMap, request: RequestState, path: string, dropLength: boolean, streaming = true): void {
  const provider = request.provider;
  const all = upstreamHeaders(provider);
  const sets = streaming ? all.sets : all.plainSets;
  const index = sets.length === 1 ? 0 : chooseToken(provider, provider.tokens.readsConsumer ? headers.get('x-mse-consumer') : undefined);
  request.tokenIndex = index;
  const set = sets[index]!;
  headers.rewriteText(dropLength ? DROPPED_WITH_LENGTH : DROPPED, set.head + path + set.tail, set.count);
}

export function handleRequestHeaders(ctx: HttpContext, request: RequestState, endOfStream: boolean): HookResult {
  const provider = request.provider;
  setProperty(CLEAR_ROUTE_CACHE, 'off');
  const headers = ctx.requestHeaders;
  const raw = headers.get(':path') ?? '/';
  if (provider.protocol === 'original') {
    rewriteCommon(headers, request, withBasePath(raw, provider.paths.basePath), false);
    return request.limits ? admit(ctx, request, request.limits, NO_TOKENS) : Action.Continue;
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
    const problem = checkBodyHeaders(ctx, headers, provider, endOfStream);
    if (problem) return problem;
  }
  const fullPath = query === '' ? upstreamPath : withQuery(upstreamPath, query);
  request.upstreamPath = fullPath;
  if (provider.recovers) request.recovery = { startedMs: now(), query };
  if (HOLDS_HEADERS && api !== 'models') return Action.PauseHeaders;
  rewriteCommon(headers, request, fullPath, api !== 'models');
  logRouted(request);
  return request.limits && api === 'models' ? admit(ctx, request, request.limits, NO_TOKENS) : Action.Continue;
}

function logRouted(request: RequestState): void {
  if (log.enabled('debug')) log.debug(`ai-proxy: ${request.api} request routed to provider "${request.provider.id}" at ${upstreamHeaders(request.provider).host}${request.upstreamPath}`);
}

/** Higress build: rewrites the held headers for the upstream once the body was checked (the body hook then continues). */
export function releaseHeaders(ctx: HttpContext, request: RequestState): void {
  if (!HOLDS_HEADERS || request.upstreamPath === undefined) return;
  rewriteCommon(ctx.requestHeaders, request, request.upstreamPath, true, request.streaming);
  logRouted(request);
}

function supported(provider: ProviderConfig): string {
  const paths = provider.paths.api;
  return (['chat', 'embeddings', 'models'] as const)
    .filter((api) => paths[api] !== undefined)
    .map((api) => CLIENT_PATH[api])
    .join(', ');
}

function checkBodyHeaders(ctx: HttpContext, headers: HeaderMap, provider: ProviderConfig, endOfStream: boolean): HookResult | undefined {
  const type = headers.get('content-type') ?? '';
  if (!isJsonContentType(type)) {
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
