/**
 * A JSON request body (chat, completions, embeddings, responses, images, speech, moderations): gathered
 * to the end of stream within the configured limit, validated (UTF-8, nesting depth, a JSON object, a
 * model — or the `*` mapping's target for a request that names none, as Higress fills it in — where the
 * API requires one), then only `model` is rewritten by `modelMapping` and, for streaming chat and
 * completions, `stream_options.include_usage` added unless the client set it or usage stats are disabled. Every
 * other byte is forwarded as received. A body that arrives in one callback is scanned and spliced where
 * Envoy holds it; one in several chunks is gathered in JS. On the Higress build the held request
 * headers are rewritten for the upstream once the body is checked.
 */
import { Action, bufferBody, holdsBody, ownBuffer, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { bodySplices, parseHeldRequestBody, parseRequestBody, rewriteBody, type BodyProblem, type ParsedBody } from '../body/chat-body.ts';
import { replyError } from '../errors.ts';
import { streamsUsageWhenAsked } from '../apis/api-table.ts';
import type { RequestState } from '../request-state.ts';
import { releaseHeaders } from './request-headers.ts';
import { admit, reservation } from '../limits/admission.ts';
import { requestedMaxTokens } from '../limits/requested-tokens.ts';
import { lookupCache } from '../cache/cache-lookup.ts';
import type { RateLimit } from '../limits/rate-limit.ts';

export function handleRequestBody(ctx: HttpContext, request: RequestState, bodySize: number, endOfStream: boolean): HookResult {
  const limit = request.provider.maxRequestBodyBytes;
  if (endOfStream && !holdsBody(ctx, 'request')) return bodySize > limit ? tooLarge(ctx, limit) : complete(ctx, request, parseHeldRequestBody(), bodySize);
  return bufferBody(ctx, 'request', bodySize, endOfStream, (body) => complete(ctx, request, parseRequestBody(new Uint8Array(body)), body.byteLength), { maxBytes: limit, tooLarge: () => tooLarge(ctx, limit) });
}

function tooLarge(ctx: HttpContext, limit: number): HookResult {
  replyError(ctx, { status: 413, code: 'request_too_large', message: `the request body exceeds the limit of ${limit} bytes` });
  return Action.Pause;
}

function complete(ctx: HttpContext, request: RequestState, parsed: ParsedBody | BodyProblem, bodyBytes: number): HookResult {
  if ('code' in parsed) {
    replyError(ctx, parsed);
    return Action.Pause;
  }
  const provider = request.provider;
  const upstreamModel = parsed.model === undefined ? provider.mapping.fallback : provider.mapping.map(parsed.model);
  if (upstreamModel === undefined && request.operation!.modelRequired) {
    replyError(ctx, { status: 400, code: 'missing_model', message: "you must provide a model parameter ('model')" });
    return Action.Pause;
  }
  request.requestModel = parsed.model;
  request.upstreamModel = upstreamModel;
  request.streaming = parsed.stream;
  const edits = { model: upstreamModel === parsed.model ? undefined : upstreamModel, includeUsage: streamsUsageWhenAsked(request.api) && parsed.stream && provider.includeUsage };
  const recovery = request.recovery;
  if (recovery && provider.fallbacks.length > 0) recovery.clientBody = parsed.bytes ? ownBuffer(parsed.bytes) : ctx.request.body.read();
  if (parsed.bytes) {
    const rewritten = rewriteBody(parsed, edits);
    if (rewritten !== parsed.bytes) ctx.request.body.replace(rewritten.buffer as ArrayBuffer);
    if (recovery && provider.retry) recovery.sentBody = rewritten === parsed.bytes && recovery.clientBody ? recovery.clientBody : ownBuffer(rewritten);
  } else {
    const splices = bodySplices(parsed, edits);
    if (splices.length > 0) ctx.request.body.splice(splices);
    if (recovery && provider.retry) recovery.sentBody = splices.length === 0 && recovery.clientBody ? recovery.clientBody : ctx.request.body.read();
  }
  releaseHeaders(ctx, request);
  if (request.limits) return admitBody(ctx, request, request.limits, bodyBytes);
  return request.cache ? lookupCache(ctx, request) : Action.Continue;
}

function admitBody(ctx: HttpContext, request: RequestState, limits: NonNullable<RequestState['limits']>, bodyBytes: number): HookResult {
  let maxTokens: number | undefined | null = null;
  const completes = request.api === 'chat' || request.api === 'completions' || request.api === 'responses';
  const costs = {
    tokens: (limit: RateLimit) => {
      if (completes && maxTokens === null) maxTokens = requestedMaxTokens(ctx);
      return reservation(limit, bodyBytes, maxTokens ?? undefined, completes);
    },
  };
  return admit(ctx, request, limits, costs, () => (request.cache ? lookupCache(ctx, request) : Action.Continue));
}
