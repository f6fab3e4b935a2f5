/**
 * Rate limits under untrusted input, property-based, on the built modules and the bundle: hostile key
 * values (any printable text, up to 4 KB, credential-like) never grow shared data past the limit's slot
 * table and a key that spent its budget stays refused; slots holding anything (another writer, random
 * bytes) serve requests and are written back well-formed; random Redis replies to the decision script
 * are a decision only when they are one ([0|1, count, count]), else trouble (503 with failureMode
 * closed). The VM lives through all of it.
 */
import { scriptedServer } from '../../../harness/test/support/redis-server.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, UpstreamHandler } from '../../../harness/src/index.ts';
import { encodeTree, replyTree, type Tree } from '../../test-support/resp-trees.ts';
import { CHAT_HEADERS, MODES, TOKEN, aiHost, chatBody } from '../test-support/ai-host.ts';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const encoder = new TextEncoder();
const ok: UpstreamHandler = () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [encoder.encode('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}')], trailers: [] });
const SLOT = /^-?\d+ \d+(\.\d+)? \d+(\.\d+)?\n/;

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 });
const keyValue = fc.oneof(printable, printable.map((s) => s.repeat(64).slice(0, 4096)), fc.constantFrom('ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'sk-live-0123456789abcdefABCDEF', ''));

function chat(host: Host, headers: Record<string, string> = {}, worker?: number) {
  return host.exchange({ headers: { ...CHAT_HEADERS, ...headers }, body: JSON.stringify(chatBody()) }, { upstream: ok, worker });
}

describe.each(MODES)('rate limits under hostile input (%s)', (mode) => {
  it('hostile key values: bounded slots, a spent key stays refused, no raw credential stored', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, rateLimits: [{ name: 'u', counts: 'requests', window: 'day', limit: 1, by: 'header:x-user', maxLocalKeys: 16 }] }, { workers: 2 });
    await fc.assert(
      fc.asyncProperty(keyValue, async (value) => {
        await chat(host, { 'x-user': value }, 0);
        const again = await chat(host, { 'x-user': value }, 1);
        expect(again.status).toBe(429);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const slots = host.sharedData.keys().filter((k) => k.startsWith('ai-proxy/ratelimit/u/'));
    expect(slots.length).toBeLessThanOrEqual(17);
    for (const key of slots) {
      const text = Buffer.from(host.sharedData.get(key)!.value).toString();
      expect(text).toMatch(SLOT);
      expect(text).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
      expect(text).not.toContain('sk-live-0123456789abcdefABCDEF');
    }
    expect(host.logs.messages('critical')).toEqual([]);
    host.close();
  });

  it('slots holding anything serve requests and are written back well-formed', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [TOKEN] }, rateLimits: [{ name: 'g', counts: 'requests', window: 'day', limit: 1000 }] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 40 }).map((s) => encoder.encode(s)), fc.constantFrom('5 1e400 3\n', 'NaN 1 1\n', '1 -5 2\nx', `${Number.MAX_SAFE_INTEGER} 1 1\n`).map((s) => encoder.encode(s))), async (bytes) => {
        for (const key of ['ai-proxy/ratelimit/g/0', 'ai-proxy/ratelimit/g/overflow']) host.sharedData.set(key, bytes, 0);
        const r = await chat(host);
        expect([200, 429]).toContain(r.status);
        if (r.status === 200) expect(Buffer.from(host.sharedData.get('ai-proxy/ratelimit/g/0')!.value).toString()).toMatch(SLOT);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(host.logs.messages('critical')).toEqual([]);
    host.close();
  });
});

let server: Awaited<ReturnType<typeof scriptedServer>>;
beforeAll(async () => {
  server = await scriptedServer('-ERR no reply queued\r\n');
});
afterAll(() => server.close());

const int = (n: bigint): Tree => ({ t: 'int', n });
const plausible = fc.tuple(fc.bigInt({ min: -1n, max: 2n }), fc.oneof(fc.bigInt({ min: -3n, max: 100n }), fc.constant(2n ** 60n)), fc.bigInt({ min: -3n, max: 100n })).map(([a, b, c]): Tree => ({ t: 'array', items: [int(a), int(b), int(c)] }));
const decision = (node: Tree): 'admit' | 'reject' | 'trouble' => {
  if (node.t !== 'array' || node.items.length !== 3) return 'trouble';
  const ns = node.items.map((item) => (item.t === 'int' && Number.isSafeInteger(Number(item.n)) && item.n >= 0n ? Number(item.n) : -1));
  if (ns.some((n) => n < 0) || (ns[0] !== 0 && ns[0] !== 1)) return 'trouble';
  return ns[0] === 1 ? 'admit' : 'reject';
};

describe.each(MODES.filter((m) => m !== 'envoy'))('random Redis replies to the decision script (%s)', (mode) => {
  it('a decision only when the reply is one, trouble (503, failureMode closed) otherwise', async () => {
        const cluster = 'outbound|6379||redis.static';
    const host = await aiHost(
      mode,
      { provider: { type: 'github', apiTokens: [TOKEN] }, redis: { serviceName: 'redis.static', servicePort: 6379, timeout: 5000 }, rateLimits: [{ name: 'r', counts: 'requests', window: 'minute', limit: 10, backend: 'redis', failureMode: 'closed' }] },
      { clusters: { [cluster]: server.url } },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(replyTree('WRONGTYPE', 4), plausible), async (node) => {
        server.replies.push(encodeTree(node));
        const r = await chat(host);
        const expected = decision(node);
        expect(r.status).toBe(expected === 'admit' ? 200 : expected === 'reject' ? 429 : 503);
        expect(host.logs.messages('critical')).toEqual([]);
      }),
      { seed: SEED, numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
    server.replies.length = 0;
    host.close();
  });
});
