/**
 * Request body (chat and embeddings): gathered to the end of stream within the configured limit, validated
 * (UTF-8, nesting depth, a JSON object, a model — or the `*` mapping's target for a request that names
 * none, as Higress fills it in), then only `model` is rewritten by `modelMapping` and, for streaming
 * chat, `stream_options.include_usage` added unless the client set it or usage stats are disabled. Every
 * other byte is forwarded as received.
 */
import { Action, bufferBody, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { parseRequestBody, rewriteBody } from '../body/chat-body.ts';
import { replyError } from '../errors.ts';
import type { RequestState } from '../request-state.ts';

export function handleRequestBody(ctx: HttpContext, request: RequestState, bodySize: number, endOfStream: boolean): HookResult {
  const provider = request.provider;
  const tooLarge = () => {
    replyError(ctx, { status: 413, code: 'request_too_large', message: `the request body exceeds the limit of ${provider.maxRequestBodyBytes} bytes` });
    return Action.Pause;
  };
  return bufferBody(
    ctx,
    'request',
    bodySize,
    endOfStream,
    (body) => {
      const parsed = parseRequestBody(new Uint8Array(body));
      if ('code' in parsed) {
        replyError(ctx, parsed);
        return Action.Pause;
      }
      const upstreamModel = parsed.model === undefined ? provider.mapping.fallback : provider.mapping.map(parsed.model);
      if (upstreamModel === undefined) {
        replyError(ctx, { status: 400, code: 'missing_model', message: "you must provide a model parameter ('model')" });
        return Action.Pause;
      }
      request.requestModel = parsed.model;
      request.upstreamModel = upstreamModel;
      request.streaming = parsed.stream;
      const rewritten = rewriteBody(parsed, {
        model: upstreamModel === parsed.model ? undefined : upstreamModel,
        includeUsage: request.api === 'chat' && parsed.stream && provider.includeUsage,
      });
      if (rewritten !== parsed.bytes) ctx.request.body.replace(rewritten.buffer as ArrayBuffer);
      return Action.Continue;
    },
    { maxBytes: provider.maxRequestBodyBytes, tooLarge },
  );
}
