/**
 * A cached answer in the shape the request asks for. Stored as it was received, it is served as is when
 * the shapes agree (JSON for a plain request, the SSE events for a streaming one). A JSON chat completion
 * becomes OpenAI's stream for a streaming request: a role chunk, the content in deltas, tool calls,
 * the finish reason, a usage chunk when the request gets one (`include_usage`, or the proxy asks for it),
 * then `[DONE]`. Stored SSE events become one chat completion for a plain request: content and tool-call
 * arguments joined per choice, the last finish reason and usage. A stored stream whose usage chunk does
 * not match what the request gets has it taken out or added. An answer with members the conversion
 * does not carry (reasoning, audio, annotations, logprobs) serves only its own shape: otherwise a miss.
 */
import { encodeUtf8, ownBuffer, parseJson } from '../../sdk/index.ts';
import { SseParser } from '../response/sse-parser.ts';
import type { CacheEntry } from './cache-entry.ts';

export interface CachedReply {
  contentType: string;
  body: ArrayBuffer;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const PIECE = 64;

/** `content` cut into deltas of about `PIECE` characters, at spaces where it can, never inside a surrogate pair. */
function pieces(content: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < content.length) {
    let end = Math.min(content.length, start + PIECE);
    if (end < content.length) {
      const space = content.lastIndexOf(' ', end);
      if (space > start) end = space + 1;
      else if ((content.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
    }
    out.push(content.slice(start, end));
    start = end;
  }
  return out;
}

/** Message and delta members the conversions carry; anything else (reasoning, audio, annotations, logprobs) would be lost, so such an entry only serves its own shape. */
const CARRIED = new Set(['role', 'content', 'tool_calls', 'refusal']);
const carried = (part: Json): boolean => Object.keys(part).every((k) => CARRIED.has(k) && (k !== 'refusal' || part[k] === null));
const plainChoice = (choice: Json, part: unknown): boolean => (choice.logprobs === undefined || choice.logprobs === null) && (!isObject(part) || carried(part));

function streamOf(completion: Json, withUsage: boolean): string | undefined {
  const base: Json = { id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model };
  if (completion.system_fingerprint !== undefined) base.system_fingerprint = completion.system_fingerprint;
  const event = (choices: unknown[], extra: Json = {}) => `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
  let text = '';
  const choices = Array.isArray(completion.choices) ? completion.choices.filter(isObject) : [];
  for (const choice of choices) {
    const index = choice.index ?? 0;
    const message = isObject(choice.message) ? choice.message : {};
    if (!plainChoice(choice, message)) return undefined;
    text += event([{ index, delta: { role: message.role ?? 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    if (typeof message.content === 'string') for (const piece of pieces(message.content)) text += event([{ index, delta: { content: piece }, logprobs: null, finish_reason: null }]);
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const calls = message.tool_calls.map((call, i) => (isObject(call) ? { index: i, ...call } : call));
      text += event([{ index, delta: { tool_calls: calls }, logprobs: null, finish_reason: null }]);
    }
    text += event([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }]);
  }
  if (withUsage && isObject(completion.usage)) text += event([], { usage: completion.usage });
  return `${text}data: [DONE]\n\n`;
}

interface Joined {
  index: number;
  role: string;
  content: string;
  hasContent: boolean;
  tools: Map<number, { id?: unknown; type?: unknown; name: string; arguments: string }>;
  finish: unknown;
}

function completionOf(events: readonly string[]): Json | undefined {
  const head: Json = {};
  const byIndex = new Map<number, Joined>();
  let usage: unknown;
  for (const data of events) {
    if (data.trim() === '[DONE]') continue;
    const parsed = parseJson(data);
    if (!parsed.ok || !isObject(parsed.value)) return undefined;
    const chunk = parsed.value;
    for (const field of ['id', 'created', 'model', 'system_fingerprint']) if (head[field] === undefined && chunk[field] !== undefined && chunk[field] !== '') head[field] = chunk[field];
    if (isObject(chunk.usage)) usage = chunk.usage;
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices.filter(isObject) : []) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let joined = byIndex.get(index);
      if (!joined) byIndex.set(index, (joined = { index, role: 'assistant', content: '', hasContent: false, tools: new Map(), finish: null }));
      const delta = isObject(choice.delta) ? choice.delta : {};
      if (!plainChoice(choice, delta)) return undefined;
      if (typeof delta.role === 'string') joined.role = delta.role;
      if (typeof delta.content === 'string') {
        joined.content += delta.content;
        joined.hasContent = true;
      }
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isObject) : []) {
        const i = typeof call.index === 'number' ? call.index : 0;
        let tool = joined.tools.get(i);
        if (!tool) joined.tools.set(i, (tool = { name: '', arguments: '' }));
        if (call.id !== undefined) tool.id = call.id;
        if (call.type !== undefined) tool.type = call.type;
        const fn = isObject(call.function) ? call.function : {};
        if (typeof fn.name === 'string') tool.name += fn.name;
        if (typeof fn.arguments === 'string') tool.arguments += fn.arguments;
      }
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) joined.finish = choice.finish_reason;
    }
  }
  const choices = [...byIndex.values()].sort((a, b) => a.index - b.index).map((c) => {
    const message: Json = { role: c.role, content: c.hasContent || c.tools.size === 0 ? c.content : null };
    if (c.tools.size > 0) message.tool_calls = [...c.tools.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => ({ id: t.id, type: t.type ?? 'function', function: { name: t.name, arguments: t.arguments } }));
    return { index: c.index, message, logprobs: null, finish_reason: c.finish };
  });
  return { id: head.id, object: 'chat.completion', created: head.created, model: head.model, ...(head.system_fingerprint === undefined ? {} : { system_fingerprint: head.system_fingerprint }), choices, ...(usage === undefined ? {} : { usage }) };
}

/** A stored stream for a request that wants the usage chunk it lacks, or not the one it has: the events rebuilt without usage-only chunks, with one from the entry's usage when wanted. */
function usageAdjusted(entry: CacheEntry, withUsage: boolean): CachedReply | undefined {
  let text = '';
  let base: Json | undefined;
  for (const data of eventData(entry.body)) {
    if (data.trim() === '[DONE]') continue;
    const parsed = parseJson(data);
    if (!parsed.ok || !isObject(parsed.value)) return undefined;
    const chunk = parsed.value;
    base ??= chunk;
    if (Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage !== undefined) continue;
    text += `data: ${data}\n\n`;
  }
  const u = entry.usage;
  if (withUsage && u && base) {
    const usage = { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens };
    text += `data: ${JSON.stringify({ id: base.id, object: 'chat.completion.chunk', created: base.created, model: base.model, choices: [], usage })}\n\n`;
  }
  return { contentType: entry.contentType, body: encodeUtf8(`${text}data: [DONE]\n\n`) };
}

/** The data of each event of a whole stored stream. */
export function eventData(body: Uint8Array): string[] {
  const parser = new SseParser();
  return [...parser.push(body), ...parser.end()].map((e) => e.data);
}

/** The reply for a request (`streaming`, `withUsage`: whether a synthesised stream ends with usage); undefined when the entry cannot take that shape. */
export function cachedReply(entry: CacheEntry, streaming: boolean, withUsage: boolean): CachedReply | undefined {
  if (entry.kind === 'sse') {
    if (streaming) return withUsage === (entry.usage !== undefined) ? { contentType: entry.contentType, body: ownBuffer(entry.body) } : usageAdjusted(entry, withUsage);
    const completion = completionOf(eventData(entry.body));
    return completion && { contentType: 'application/json', body: encodeUtf8(JSON.stringify(completion)) };
  }
  if (!streaming) return { contentType: entry.contentType, body: ownBuffer(entry.body) };
  const parsed = parseJson(entry.body);
  if (!parsed.ok || !isObject(parsed.value) || !Array.isArray(parsed.value.choices)) return undefined;
  const stream = streamOf(parsed.value, withUsage);
  return stream === undefined ? undefined : { contentType: 'text/event-stream', body: encodeUtf8(stream) };
}

