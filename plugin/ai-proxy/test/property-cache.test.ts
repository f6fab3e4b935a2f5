/**
 * The response cache under untrusted input, property-based, on the built modules and the bundle: any
 * bytes in the cache's shared-data keys (head, buckets, slots, sizes) serve every request (a miss, never
 * another request's answer) and later stores still write whole entries; any 200 answer body (JSON-ish,
 * SSE-ish, binary) is stored or not, and a later request of either shape gets a well-formed answer from
 * the cache or the upstream; random Redis replies to a lookup are misses. The VM lives through all of it.
 */
import { scriptedServer } from '../../../harness/test/support/redis-server.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, UpstreamHandler } from '../../../harness/src/index.ts';
import { encodeTree, replyTree } from '../../test-support/resp-trees.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody } from '../test-support/ai-host.ts';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const encoder = new TextEncoder();
const json = (content: string): UpstreamHandler => () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }))], trailers: [] });
const ask = (host: Host, handler: UpstreamHandler, body: object) => host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(body) }, { upstream: handler });
const header = (r: { client: { headers?: Array<[string, string]> } }, name: string) => r.client.headers?.find(([k]) => k === name)?.[1];

/** The answer is a well-formed OpenAI answer of the shape asked for (JSON object, or SSE ending in [DONE]). */
function wellFormed(text: string, streaming: boolean): boolean {
  if (!streaming) return typeof JSON.parse(text) === 'object';
  const data = text.split(/\r?\n\r?\n/).filter((e) => e.startsWith('data:')).map((e) => e.slice(5).trim());
  return data.at(-1) === '[DONE]' && data.slice(0, -1).every((d) => typeof JSON.parse(d) === 'object');
}

describe.each(MODES)('the response cache under hostile input (%s)', (mode) => {
  it('any bytes in its shared data: requests are served, never with another request\'s answer; stores stay whole', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, cache: { backend: 'local', maxLocalEntries: 64, maxLocalBytes: 65536 } });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('head', 'bucket/0', 'bucket/3', 'bucket/77', 'slot/0', 'slot/1', 'size/0', 'size/2'), fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.string({ maxLength: 60 }).map((s) => encoder.encode(s)), fc.constantFrom('9007199254740993 -5', '3 1e400', '{"v":1}\n', `${'f'.repeat(40)} 0`).map((s) => encoder.encode(s)))), { maxLength: 4 }), async (writes) => {
        for (const [key, bytes] of writes) host.sharedData.set(`ai-proxy/cache/64-65536/${key}`, bytes, 0);
        const own = `question ${n++}`;
        const first = await ask(host, json(`answer to ${own}`), chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: own }] }));
        expect(first.status).toBe(200);
        expect(JSON.parse(first.client.text).choices[0].message.content).toBe(`answer to ${own}`);
        const again = await ask(host, json('upstream again'), chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: own }] }));
        expect(['answer to ' + own, 'upstream again']).toContain(JSON.parse(again.client.text).choices[0].message.content);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(host.logs.messages('critical')).toEqual([]);
    host.close();
  });

  it('any 200 answer body: a later request of either shape gets a well-formed answer or the upstream\'s', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, cache: { backend: 'local' } });
    let n = 0;
    const bodies = fc.oneof(
      fc.json().map((text) => ({ type: 'application/json', text })),
      fc.array(fc.oneof(fc.json(), fc.constant('[DONE]'), fc.string({ maxLength: 30 })), { maxLength: 5 }).map((ds) => ({ type: 'text/event-stream', text: ds.map((d) => `data: ${d}\n\n`).join('') })),
      fc.constantFrom(
        { type: 'application/json', text: '{"choices":[{"message":{"content":7,"tool_calls":[null,{"function":{"arguments":5}}]}}]}' },
        { type: 'text/event-stream', text: 'data: {"choices":[{"index":"x","delta":{"tool_calls":[{"index":-1,"function":null}]}}]}\n\ndata: [DONE]\n\n' },
        { type: 'application/json', text: '{"choices":"no"}' },
      ),
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.boolean(), fc.boolean(), async (answer, firstStreams, secondStreams) => {
        const q = chatBody('openai/gpt-4.1', { messages: [{ role: 'user', content: `q${n++}` }] });
        const weird: UpstreamHandler = () => ({ status: 200, headers: [['content-type', answer.type]], chunks: [encoder.encode(answer.text)], trailers: [] });
        const first = await ask(host, weird, { ...q, stream: firstStreams });
        expect(first.client.text).toBe(answer.text);
        const second = await ask(host, json('fresh'), { ...q, stream: secondStreams });
        expect(second.status).toBe(200);
        if (header(second, 'x-cache') === 'HIT') {
          const same = (answer.type === 'text/event-stream') === secondStreams;
          if (same) expect(second.client.text).toBe(answer.text);
          else expect(wellFormed(second.client.text, secondStreams)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(host.logs.messages('critical')).toEqual([]);
    host.close();
  });
});

let server: Awaited<ReturnType<typeof scriptedServer>>;
beforeAll(async () => {
  server = await scriptedServer('+OK\r\n');
});
afterAll(() => server.close());

describe.each(MODES.filter((m) => m !== 'envoy'))('random Redis replies to a cache lookup (%s)', (mode) => {
  it('are misses: the upstream answers, the VM lives', async () => {
        const cluster = 'outbound|6379||redis.static';
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, redis: { serviceName: 'redis.static', servicePort: 6379, timeout: 5000 }, cache: { backend: 'redis' } }, { clusters: { [cluster]: server.url } });
    await fc.assert(
      fc.asyncProperty(fc.oneof(replyTree('ERR', 3), fc.string({ maxLength: 200 }).map((s) => ({ t: 'bulk' as const, b: encoder.encode(`{"v":1,"kind":"json"}\n${s}`) }))), async (node) => {
        server.replies.push(encodeTree(node));
        const r = await ask(host, json('from upstream'), chatBody());
        expect(r.status).toBe(200);
        expect(header(r, 'x-cache')).toBe('MISS');
        expect(JSON.parse(r.client.text).choices[0].message.content).toBe('from upstream');
        await host.idle();
      }),
      { seed: SEED, numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
    );
    server.replies.length = 0;
    expect(host.logs.messages('critical')).toEqual([]);
    host.close();
  });
});
