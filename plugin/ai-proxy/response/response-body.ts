/**
 * Response body: relayed chunk by chunk without holding anything (usage is read from SSE events or from a
 * copy of a JSON answer, decoded whole so characters cut between chunks survive, and skipped when the
 * answer exceeds the copy limit); replaced answers are held to the end and rewritten. Usage is recorded
 * once the answer is complete.
 */
import { Action, bufferBody, log, type HookResult } from '../../sdk/index.ts';
import { MAX_JSON_DEPTH } from '../../sdk/json.ts';
import { errorBody } from '../errors.ts';
import type { AiProxyStream } from '../stream.ts';
import { recordUsage } from '../telemetry.ts';
import { catalogToOpenAiList } from './catalog.ts';

const USAGE_COPY_LIMIT = 4 * 1024 * 1024;

function joined(parts: ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

function done(s: AiProxyStream): HookResult {
  if (s.usage.tooDeep > 0) {
    log.warn(`ai-proxy: ${s.usage.tooDeep} part(s) of the answer from provider "${s.request!.provider.id}" nest deeper than ${MAX_JSON_DEPTH} levels; relayed unchanged, usage not read from them`);
  }
  recordUsage(s, true);
  return Action.Continue;
}

export function handleResponseBody(s: AiProxyStream, bodySize: number, endOfStream: boolean): HookResult {
  switch (s.responseMode) {
    case 'sse': {
      for (const event of s.sse!.push(new Uint8Array(s.responseBody(0, bodySize)))) s.usage.observeEvent(event.data);
      if (!endOfStream) return Action.Continue;
      for (const event of s.sse!.end()) s.usage.observeEvent(event.data);
      return done(s);
    }
    case 'json': {
      s.copiedBytes += bodySize;
      if (s.copiedBytes <= USAGE_COPY_LIMIT) s.copy.push(s.responseBody(0, bodySize));
      if (!endOfStream) return Action.Continue;
      if (s.copiedBytes <= USAGE_COPY_LIMIT) s.usage.observeJson(new Uint8Array(joined(s.copy)));
      return done(s);
    }
    case 'replace':
      return bufferBody(s, 'response', bodySize, endOfStream, () => {
        s.setResponseBody(errorBody(s.replacement!));
        return done(s);
      });
    case 'catalog':
      return bufferBody(s, 'response', bodySize, endOfStream, (body) => {
        const list = catalogToOpenAiList(new Uint8Array(body), Object.fromEntries(s.request!.provider.mapping.aliases));
        if (list !== undefined) s.setResponseBody(list);
        else log.warn(`ai-proxy: the model catalog from provider "${s.request!.provider.id}" is not a JSON array of models nested at most ${MAX_JSON_DEPTH} levels; relayed unchanged`);
        return done(s);
      });
    default:
      return endOfStream && s.request!.api ? done(s) : Action.Continue;
  }
}
