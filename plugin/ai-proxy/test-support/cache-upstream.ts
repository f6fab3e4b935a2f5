/**
 * Test support for the response-cache suites: an upstream that counts its requests and answers chat
 * (JSON or SSE by the request's `stream`) and embeddings, hosts with a local cache whose logs, answers
 * and shared data are checked for the token after each test, and short readers of answers.
 */
import { afterEach, expect } from 'vitest';
import type { ExchangeResult, Host, HostOptions, UpstreamHandler, UpstreamRequest } from '../../../harness/src/index.ts';
import { CHAT_HEADERS, TOKEN, aiHost, chatBody, expectNoSecrets, type PluginMode } from './ai-host.ts';

export const encoder = new TextEncoder();

export const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
const completion = (model: string, content: string) => ({ id: 'chatcmpl-up', object: 'chat.completion', created: 1700000000, model, system_fingerprint: 'fp_1', choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }], usage: USAGE });
export const chunk = (model: string, delta: object, finish: string | null = null) => ({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1700000000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
export const sseOf = (events: object[], done = true) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');

/** An upstream that counts its requests and answers each with a JSON completion or SSE (by the request's `stream`). */
export function counting(options: { status?: number; content?: (body: Record<string, unknown>) => string; cut?: boolean; noDone?: boolean } = {}) {
  const seen: UpstreamRequest[] = [];
  const handler: UpstreamHandler = (request) => {
    seen.push(request);
    const body = JSON.parse(Buffer.from(request.body).toString()) as Record<string, unknown>;
    const content = options.content?.(body) ?? `answer ${seen.length}: the quick brown fox jumps over the lazy dog, again and again and again and again until the text is long`;
    const model = String(body.model);
    if (options.status) return { status: options.status, headers: [['content-type', 'application/json']], chunks: [encoder.encode('{"error":{"message":"no"}}')], trailers: [] };
    if (body.input !== undefined) return { status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model, usage: { prompt_tokens: 3, total_tokens: 3 } }))], trailers: [] };
    if (body.stream) {
      const events = [chunk(model, { role: 'assistant', content: '' }), chunk(model, { content: content.slice(0, 20) }), chunk(model, { content: content.slice(20) }), chunk(model, {}, 'stop'), { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: USAGE }];
      const text = sseOf(events, !options.noDone);
      const half = Math.floor(text.length / 2);
      return { status: 200, headers: [['content-type', 'text/event-stream']], chunks: [encoder.encode(text.slice(0, half)), encoder.encode(text.slice(half))].slice(0, options.cut ? 1 : 2), trailers: [], ...(options.cut ? { reset: true } : {}) };
    }
    return { status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode(JSON.stringify(completion(model, content)))], trailers: [] };
  };
  return { handler, seen };
}

/** Hosts with a local cache (`cache` over `backend: local`), checked after each test of the calling file for the token anywhere. */
export function cacheHosts(): { hosts: Host[]; cacheHost: (mode: PluginMode, cache: object, extra?: Record<string, unknown>, options?: Partial<HostOptions>) => Promise<Host> } {
  const hosts: Host[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) {
      expectNoSecrets(host, [], [TOKEN]);
      for (const key of host.sharedData.keys()) expect(Buffer.from(host.sharedData.get(key)!.value).toString().includes(TOKEN)).toBe(false);
    }
  });
  const cacheHost = async (mode: PluginMode, cache: object, extra: Record<string, unknown> = {}, options: Partial<HostOptions> = {}): Promise<Host> => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, cache: { backend: 'local', ...cache }, ...extra }, options);
    hosts.push(host);
    return host;
  };
  return { hosts, cacheHost };
}

export function ask(host: Host, handler: UpstreamHandler, body: Record<string, unknown> = chatBody(), headers: Record<string, string> = {}, worker?: number, path = '/v1/chat/completions'): Promise<ExchangeResult> {
  return host.exchange({ headers: { ...CHAT_HEADERS, ':path': path, ...headers }, body: JSON.stringify(body) }, { upstream: handler, worker });
}

export const header = (r: ExchangeResult, name: string) => r.client.headers?.find(([k]) => k === name)?.[1];
export const events = (text: string) => text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
export const metric = (host: Host, name: string) => Number(host.metrics.all().find((m) => m.name === name)?.value ?? 0);
