/**
 * The completion tokens a request may use, as its body asks (`max_completion_tokens`, else `max_tokens`,
 * else the Responses API's `max_output_tokens`),
 * read by the engine's scanner from the body Envoy holds (after the rewrite, which does not touch them).
 * Undefined when neither is a non-negative integer, or the scanner declines the body (escaped member
 * names): the limit's `defaultMaxTokens` is reserved instead, and the answer's usage corrects it.
 */
import { decodeUtf8, type HttpContext } from '../../sdk/index.ts';
import { JsonMembers } from '../../sdk/json-members.ts';

const MEMBERS = new JsonMembers(['max_completion_tokens', 'max_tokens', 'max_output_tokens']);
const MAX_DIGITS = 12;

function member(ctx: HttpContext, index: number): number | undefined {
  const span = MEMBERS.span(index);
  if (!span || span.valueEnd - span.valueStart > MAX_DIGITS) return undefined;
  const text = decodeUtf8(ctx.request.body.read(span.valueStart, span.valueEnd - span.valueStart));
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) ? n : undefined;
}

export function requestedMaxTokens(ctx: HttpContext): number | undefined {
  if (MEMBERS.scanBody('request body') !== 'object') return undefined;
  return member(ctx, 0) ?? member(ctx, 1) ?? member(ctx, 2);
}
