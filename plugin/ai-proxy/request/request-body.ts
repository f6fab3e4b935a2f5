/**
 * Request body (chat and embeddings): gathered to the end of stream within the configured limit, validated
 * (UTF-8, nesting depth, a JSON object, a model — or the `*` mapping's target for a request that names
 * none, as Higress fills it in), then only `model` is rewritten by `modelMapping` and, for streaming
 * chat, `stream_options.include_usage` added unless the client set it or usage stats are disabled. Every
 * other byte is forwarded as received.
 */
import { Action, bufferBody, type HookResult } from '../../sdk/index.ts';
import { parseRequestBody, rewriteBody } from '../body/chat-body.ts';
import { replyError } from '../errors.ts';
import type { AiProxyStream } from '../stream.ts';

export function handleRequestBody(s: AiProxyStream, bodySize: number, endOfStream: boolean): HookResult {
  const provider = s.provider!;
  const tooLarge = () => {
    replyError(s, { status: 413, code: 'request_too_large', message: `the request body exceeds the limit of ${provider.maxRequestBodyBytes} bytes` });
    return Action.Pause;
  };
  return bufferBody(
    s,
    'request',
    bodySize,
    endOfStream,
    (body) => {
      const parsed = parseRequestBody(new Uint8Array(body));
      if ('code' in parsed) {
        replyError(s, parsed);
        return Action.Pause;
      }
      const upstreamModel = parsed.model === undefined ? provider.mapping.fallback : provider.mapping.map(parsed.model);
      if (upstreamModel === undefined) {
        replyError(s, { status: 400, code: 'missing_model', message: "you must provide a model parameter ('model')" });
        return Action.Pause;
      }
      s.requestModel = parsed.model;
      s.upstreamModel = upstreamModel;
      s.streaming = parsed.stream;
      const rewritten = rewriteBody(parsed, {
        model: s.upstreamModel === parsed.model ? undefined : s.upstreamModel,
        includeUsage: s.api === 'chat' && parsed.stream && provider.includeUsage,
      });
      if (rewritten !== parsed.bytes) s.setRequestBody(rewritten.slice().buffer);
      return Action.Continue;
    },
    { maxBytes: provider.maxRequestBodyBytes, tooLarge },
  );
}
