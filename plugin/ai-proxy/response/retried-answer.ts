/**
 * The answer of a successful or last retry or fallback, as the client gets it: its status, body (a
 * streamed answer arrives in one piece, since a callout delivers the whole body) and the headers a
 * client needs — `content-type`, `retry-after`, `x-ratelimit-*` and request ids, and which provider
 * answered when fallbacks are configured — with usage and model read from it as from a relayed answer
 * (JSON, or each SSE event's data).
 */
import type { CalloutResponse, HeaderPairs, LocalReply } from '../../sdk/index.ts';
import { isEventStream, isJsonAnswerType } from '../media-types.ts';
import { SseParser } from './sse-parser.ts';
import type { UsageTracker } from './usage.ts';

const kept = (name: string) => name === 'content-type' || name === 'retry-after' || name.startsWith('x-ratelimit-') || name.endsWith('request-id');

/** The first value of `name` in header pairs (names lower-case, as Envoy gives them). */
export function pairValue(headers: HeaderPairs, name: string): string | undefined {
  return headers.find(([k]) => k === name)?.[1];
}

/** Usage and model from each event of a whole SSE answer, read by the parser that reads relayed streams. */
function observeEvents(body: ArrayBuffer, usage: UsageTracker): void {
  const parser = new SseParser();
  for (const event of [...parser.push(new Uint8Array(body)), ...parser.end()]) usage.observeEvent(event.data);
}

/** `provider`: the id for `x-ai-proxy-provider`, when the answer says which provider gave it. */
export function retriedReply(answer: CalloutResponse, usage: UsageTracker, streaming: boolean, provider?: string): LocalReply {
  const type = pairValue(answer.headers, 'content-type') ?? '';
  if (answer.status >= 200 && answer.status < 300) {
    if (isEventStream(type)) observeEvents(answer.body, usage);
    else if (!streaming || isJsonAnswerType(type)) usage.observeAnswer(new Uint8Array(answer.body));
  }
  const headers = answer.headers.filter(([name]) => kept(name));
  if (provider !== undefined) headers.push(['x-ai-proxy-provider', provider]);
  return { status: answer.status, body: answer.body, headers, details: 'ai-proxy.retried' };
}
