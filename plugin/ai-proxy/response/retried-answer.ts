/**
 * The answer of a successful or last retry or fallback, as the client gets it: its status, body (a
 * streamed answer arrives in one piece, since a callout delivers the whole body) and the headers a
 * client needs — `content-type`, `retry-after`, `x-ratelimit-*` and request ids, and which provider
 * answered when fallbacks are configured — with usage and model read from it as from a relayed answer
 * (JSON, or each SSE event's data).
 */
import type { CalloutResponse, HeaderPairs, LocalReply } from '../../sdk/index.ts';
import { decodeUtf8 } from '../../sdk/index.ts';
import type { UsageTracker } from './usage.ts';

const kept = (name: string) => name === 'content-type' || name === 'retry-after' || name.startsWith('x-ratelimit-') || name.endsWith('request-id');

function header(headers: HeaderPairs, name: string): string | undefined {
  return headers.find(([k]) => k === name)?.[1];
}

/** Each event's `data` lines joined by LF (WHATWG event-stream: LF, CR or CRLF lines; a blank line ends an event). */
function eventData(text: string): string[] {
  const events: string[] = [];
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0) events.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
  }
  if (data.length > 0) events.push(data.join('\n'));
  return events;
}

/** `provider`: the id for `x-ai-proxy-provider`, when the answer says which provider gave it. */
export function retriedReply(answer: CalloutResponse, usage: UsageTracker, streaming: boolean, provider?: string): LocalReply {
  const type = header(answer.headers, 'content-type') ?? '';
  if (answer.status >= 200 && answer.status < 300) {
    if (type.toLowerCase().startsWith('text/event-stream')) for (const data of eventData(decodeUtf8(answer.body))) usage.observeEvent(data);
    else if (!streaming || type.toLowerCase().startsWith('application/json')) usage.observeAnswer(new Uint8Array(answer.body));
  }
  const headers = answer.headers.filter(([name]) => kept(name));
  if (provider !== undefined) headers.push(['x-ai-proxy-provider', provider]);
  return { status: answer.status, body: answer.body, headers, details: 'ai-proxy.retried' };
}
