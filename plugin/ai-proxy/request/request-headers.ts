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
import { isJsonContentType, multipartBoundary } from '../media-types.ts';
import { replyError } from '../errors.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import { fillIds, withBasePath, withQuery } from '../config/upstream-paths.ts';
import type { RequestState } from '../request-state.ts';
import { isUnsafeSegment, parseClientPath, route } from '../apis/api-match.ts';
import { APIS, clientPath, type BodyKind } from '../apis/api-table.ts';
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
  const client = parseClientPath(raw);
  if (provider.protocol === 'original') return passThrough(ctx, request, client.path, raw);
  const method = headers.get(':method') ?? 'GET';
  const routed = route(client, method);
  const template = routed.kind === 'unknown' ? undefined : provider.paths.api[routed.spec.name];
  if (routed.kind === 'unknown' || template === undefined || (routed.kind === 'wrong-method' && provider.unknownApis === 'passthrough')) return unknownApi(ctx, request, client.path, raw);
  if (routed.kind === 'wrong-method') {
    replyError(ctx, { status: 405, code: 'method_not_allowed', message: `${client.path} accepts ${Object.keys(routed.spec.methods).join(' or ')}, not ${method}` });
    return Action.Pause;
  }
  const { spec, operation } = routed;
  request.api = spec.name;
  request.operation = operation;
  const body = bodyOf(ctx, request, headers, operation.body, endOfStream);
  if (body === undefined) return Action.Pause;
  request.body = body;
  const path = fillIds(template, spec, spec.name === 'model' ? mappedModelIds(request, routed.ids) : routed.ids);
  const fullPath = client.query === '' ? path : withQuery(path, client.query);
  request.upstreamPath = fullPath;
  if (provider.recovers && body === 'json') request.recovery = { startedMs: now(), query: client.query };
  if (HOLDS_HEADERS && body === 'json') return Action.PauseHeaders;
  rewriteCommon(headers, request, fullPath, body !== 'unread', !HOLDS_HEADERS);
  logRouted(request);
  return request.limits && body !== 'json' ? admit(ctx, request, request.limits, NO_TOKENS) : Action.Continue;
}

/**
 * The client's path (query included) under the provider's base path, with host and token rewritten; no
 * API is assumed. A segment that could step out of the base path is refused.
 */
function passThrough(ctx: HttpContext, request: RequestState, path: string, raw: string): HookResult {
  if (path.split('/').some(isUnsafeSegment)) {
    replyError(ctx, { status: 400, code: 'invalid_path', message: `the path ${path} has a segment that is "." or ".." or holds "/" or "\\" once decoded, which could leave the provider's base path` });
    return Action.Pause;
  }
  rewriteCommon(ctx.requestHeaders, request, withBasePath(raw, request.provider.paths.basePath), false, !HOLDS_HEADERS);
  return request.limits ? admit(ctx, request, request.limits, NO_TOKENS) : Action.Continue;
}

function unknownApi(ctx: HttpContext, request: RequestState, path: string, raw: string): HookResult {
  const provider = request.provider;
  if (provider.unknownApis === 'passthrough') return passThrough(ctx, request, path, raw);
  replyError(ctx, { status: 404, code: 'unsupported_api', message: `the path ${path} is not supported by provider "${provider.id}" (type ${provider.spec.type}); supported: ${supported(provider)}` });
  return Action.Pause;
}

/** The client's model id segment mapped as a body's `model` would be (`GET /v1/models/{model}`). */
function mappedModelIds(request: RequestState, ids: readonly string[]): readonly string[] {
  let requested: string;
  try {
    requested = decodeURIComponent(ids[0]!);
  } catch {
    return ids;
  }
  const mapped = request.provider.mapping.map(requested);
  request.requestModel = requested;
  request.upstreamModel = mapped;
  return mapped === requested ? ids : [encodeURIComponent(mapped)];
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
  return APIS.filter((spec) => paths[spec.name] !== undefined)
    .map(clientPath)
    .join(', ');
}

/**
 * How the body of this request is read, after checking its headers; undefined once a local reply
 * refused it. A multipart body is read only while its model field may need mapping.
 */
function bodyOf(ctx: HttpContext, request: RequestState, headers: HeaderMap, kind: BodyKind, endOfStream: boolean): RequestState['body'] | undefined {
  if (kind === 'none' || kind === 'raw') return 'unread';
  const type = headers.get('content-type') ?? '';
  const json = (kind === 'json' || kind === 'either') && isJsonContentType(type);
  const boundary = json || kind === 'json' ? undefined : multipartBoundary(type);
  if (!json && boundary === undefined) {
    const wanted = kind === 'json' ? 'application/json' : kind === 'either' ? 'application/json or multipart/form-data with a boundary' : 'multipart/form-data with a boundary';
    replyError(ctx, { status: 415, code: 'unsupported_media_type', message: `the request body must be ${wanted}, got ${type === '' ? 'no content-type' : JSON.stringify(type)}` });
    return undefined;
  }
  const limit = request.provider.maxRequestBodyBytes;
  const declared = json ? Number(headers.get('content-length') ?? '0') : 0;
  if (declared > limit) {
    replyError(ctx, { status: 413, code: 'request_too_large', message: `the request body of ${declared} bytes exceeds the limit of ${limit} bytes` });
    return undefined;
  }
  if (endOfStream) {
    replyError(ctx, { status: 400, code: 'missing_body', message: `the request has no body; send ${json ? 'a JSON object' : 'the multipart form'}` });
    return undefined;
  }
  if (json) return 'json';
  if (kind === 'upload' || !request.provider.mapping.maps) return 'unread';
  request.multipartBoundary = boundary;
  return 'multipart';
}
