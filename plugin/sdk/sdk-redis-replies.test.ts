/**
 * Untrusted Redis replies through the whole stack, on the Higress build and the bundle on V8: a server
 * that answers each command with a random RESP2 reply tree (binary and UTF-8 bulk strings, 64-bit
 * integers, nested arrays and error replies, nesting past the client's bound) is framed by the harness
 * and parsed by the plugin's client; the answer is always the tree's value (or a typed `reply` /
 * `protocol` error) and the VM lives on.
 */
import { scriptedServer } from '../../harness/test/support/redis-server.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../harness/src/index.ts';
import { MODES, buildPlugin, pluginSource } from '../test-support/build-plugin.ts';
import { encodeTree, replyTree, treeDepth, treeValue, type Tree } from '../test-support/resp-trees.ts';

const plugin = await buildPlugin('plugin/sdk/test-plugins/redis/main.ts');
const CLUSTER = 'outbound|6379||redis.static';
const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);

const deepened = fc.tuple(replyTree('WRONGTYPE', 4), fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 60, max: 70 }))).map(([node, depth]) => {
  let wrapped = node;
  for (let i = 0; i < depth; i++) wrapped = { t: 'array', items: [wrapped] };
  return { node: wrapped, depth: depth + treeDepth(node) };
});
const value = (node: Tree) => treeValue(node, (text) => ({ message: text, code: 'WRONGTYPE' }));

let server: Awaited<ReturnType<typeof scriptedServer>>;
beforeAll(async () => {
  server = await scriptedServer('-ERR no reply queued\r\n');
});
afterAll(() => server.close());

describe.each(MODES)('random Redis replies (%s)', (mode) => {
  let host: Host;
  beforeAll(async () => {
        host = await createHost({ ...pluginSource(plugin, mode), pluginConfig: { redis: { cluster: CLUSTER, timeoutMs: 5000 } }, clusters: { [CLUSTER]: server.url } });
  });
  afterAll(() => host.close());

  it('answers each reply as its value, a reply error or a protocol error, and the VM lives', async () => {
    await fc.assert(
      fc.asyncProperty(deepened, async ({ node, depth }) => {
        server.replies.push(encodeTree(node));
        const stream = host.newHttpStream();
        stream.sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'gw', 'x-redis': '["call","GET","k"]' }, true);
        await host.idle();
        const answer = JSON.parse(stream.client.text);
        if (depth > 64) expect(answer.error.kind).toBe('protocol');
        else if (node.t === 'error') expect(answer.error).toEqual({ kind: 'reply', message: `Redis answered an error: ${node.s}`, code: 'WRONGTYPE' });
        else expect(answer).toEqual({ value: value(node) });
        expect(host.logs.messages('critical')).toEqual([]);
      }),
      { seed: SEED, numRuns: Number(process.env.PROPERTY_RUNS ?? 120) },
    );
    server.replies.length = 0;
  });
});
