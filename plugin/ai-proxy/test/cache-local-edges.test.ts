/**
 * The response cache's edges, on both builds and the bundle: rules and providers that share an id never
 * share entries; a 200 that reports an error is not stored; a stored stream's usage chunk follows the
 * request's `include_usage`; answers with members a conversion would lose serve only their own shape;
 * a `__proto__` member is keyed like any other, and numbers JavaScript would round are not cached.
 */
import { describe, expect, it } from 'vitest';
import type { UpstreamHandler } from '../../../harness/src/index.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody } from '../test-support/ai-host.ts';
import { USAGE, ask, cacheHosts, chunk, counting, encoder, events, header, metric, sseOf } from '../test-support/cache-upstream.ts';

const { hosts, cacheHost } = cacheHosts();

describe.each(MODES)('local response cache edges (%s)', (mode) => {
  it('never shares entries between rules or providers that differ upstream, even with one id and scope global', async () => {
    const pluginConfig = {
      provider: { type: 'openai-compatible', providerDomain: 'a.example', apiTokens: [TOKEN] },
      cache: { backend: 'local', scope: 'global' },
      _rules_: [{ _match_domain_: ['b.gateway'], provider: { type: 'openai-compatible', providerDomain: 'b.example', apiTokens: [`${TOKEN}_b`] } }],
    };
    const host = await aiHost(mode, pluginConfig);
    hosts.push(host);
    const up = counting({ content: (body) => `for ${String(body.model)}` });
    const at = (authority: string) => ask(host, up.handler, chatBody(), { ':authority': authority });
    expect(header(await at('a.gateway'), 'x-cache')).toBe('MISS');
    expect(header(await at('b.gateway'), 'x-cache')).toBe('MISS');
    expect(header(await at('b.gateway'), 'x-cache')).toBe('HIT');
    expect(header(await at('a.gateway'), 'x-cache')).toBe('HIT');
    expect(up.seen.map((r) => r.authority)).toEqual(['a.example', 'b.example']);
  });

  it('does not store a 200 that reports an error, as JSON or as an event in the stream', async () => {
    const host = await cacheHost(mode, {});
    const json: UpstreamHandler = () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode('{"error_code":18,"error":{"message":"qps limit"}}')], trailers: [] });
    const sse: UpstreamHandler = () => ({ status: 200, headers: [['content-type', 'text/event-stream']], chunks: [encoder.encode(sseOf([chunk('m', { role: 'assistant', content: 'par' }), { error: { message: 'engine died' } }]))], trailers: [] });
    for (const [handler, body] of [[json, chatBody()], [sse, chatBody('openai/gpt-4.1', { stream: true })]] as const) {
      await ask(host, handler, body);
      expect(header(await ask(host, handler, body), 'x-cache')).toBe('MISS');
    }
    expect(metric(host, 'ai_proxy.cache.store')).toBe(0);
  });

  it('adds or takes out the usage chunk of a stored stream as the request asks; an answer with reasoning serves only its own shape', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const ask2 = (includeUsage: boolean) => ask(host, up.handler, chatBody('openai/gpt-4.1', { stream: true, stream_options: { include_usage: includeUsage } }));
    await ask2(false);
    const withUsage = await ask2(true);
    const without = await ask2(false);
    expect([header(withUsage, 'x-cache'), header(without, 'x-cache')]).toEqual(['HIT', 'HIT']);
    const usageChunks = (text: string) => events(text).filter((d) => d !== '[DONE]' && JSON.parse(d).usage !== undefined);
    expect(usageChunks(withUsage.client.text).map((d) => JSON.parse(d).usage)).toEqual([USAGE]);
    expect(usageChunks(without.client.text)).toEqual([]);
    expect(events(without.client.text).at(-1)).toBe('[DONE]');
    const reasoning: UpstreamHandler = () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode(JSON.stringify({ id: 'r', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'x', reasoning_content: 'because' }, finish_reason: 'stop' }] }))], trailers: [] });
    const body = chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: 'think' }] });
    await ask(host, reasoning, body);
    expect(header(await ask(host, reasoning, body), 'x-cache')).toBe('HIT');
    expect(header(await ask(host, reasoning, { ...body, stream: true }), 'x-cache')).toBe('MISS');
  });

  it('keys a __proto__ member like any other, and does not cache numbers JavaScript would round', async () => {
    const host = await cacheHost(mode, {});
    const up = counting();
    const plain = { model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] };
    await ask(host, up.handler, plain);
    const sent = await host.exchange({ headers: CHAT_HEADERS, body: '{"model":"openai/gpt-4.1","messages":[{"role":"user","content":"hi","__proto__":{"content":"other"}}]}' }, { upstream: up.handler });
    expect(header(sent, 'x-cache')).toBe('MISS');
    const seeded = (seed: string) => host.exchange({ headers: CHAT_HEADERS, body: `{"model":"openai/gpt-4.1","messages":[{"role":"user","content":"hi"}],"seed":${seed}}` }, { upstream: up.handler });
    expect(header(await seeded('9007199254740993'), 'x-cache')).toBe('BYPASS');
    expect(header(await seeded('9007199254740992'), 'x-cache')).toBe('BYPASS');
    expect(header(await seeded('7'), 'x-cache')).toBe('MISS');
  });

});
