/**
 * Untrusted Redis replies through the whole stack, on the Higress build and the bundle on V8: a server
 * that answers each command with a random RESP2 reply tree (binary and UTF-8 bulk strings, 64-bit
 * integers, nested arrays and error replies, nesting past the client's bound) is framed by the harness
 * and parsed by the plugin's client; the answer is always the tree's value (or a typed `reply` /
 * `protocol` error) and the VM lives on.
 */
import { createServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../harness/src/index.ts';
import { MODES, buildPlugin, pluginSource } from '../test-support/build-plugin.ts';

const plugin = await buildPlugin('plugin/sdk/test-plugins/redis/main.ts');
const CLUSTER = 'outbound|6379||redis.static';
const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);
const enc = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Tree = { t: 'simple' | 'error'; s: string } | { t: 'int'; n: bigint } | { t: 'bulk'; b: Uint8Array } | { t: 'null' } | { t: 'array'; items: Tree[] };

const line = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ' '));
const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    line.map((s) => ({ t: 'simple' as const, s })),
    line.map((s) => ({ t: 'error' as const, s: `WRONGTYPE ${s}` })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ t: 'int' as const, n })),
    fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => enc.encode(s))).map((b) => ({ t: 'bulk' as const, b })),
    fc.constant({ t: 'null' as const }),
    fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ t: 'array' as const, items })),
  ),
})).tree;
const deepened = fc.tuple(tree, fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 60, max: 70 }))).map(([node, depth]) => {
  let wrapped = node;
  for (let i = 0; i < depth; i++) wrapped = { t: 'array', items: [wrapped] };
  return { node: wrapped, depth: depth + depthOf(node) };
});

function depthOf(node: Tree): number {
  return node.t === 'array' && node.items.length > 0 ? 1 + Math.max(...node.items.map(depthOf)) : node.t === 'array' ? 0 : 0;
}

function encode(node: Tree): Buffer {
  switch (node.t) {
    case 'simple':
      return Buffer.from(`+${node.s}\r\n`);
    case 'error':
      return Buffer.from(`-${node.s}\r\n`);
    case 'int':
      return Buffer.from(`:${node.n}\r\n`);
    case 'bulk':
      return Buffer.concat([Buffer.from(`$${node.b.length}\r\n`), node.b, Buffer.from('\r\n')]);
    case 'null':
      return Buffer.from('$-1\r\n');
    case 'array':
      return Buffer.concat([Buffer.from(`*${node.items.length}\r\n`), ...node.items.map(encode)]);
  }
}

/** What the test plugin answers for a value nested in a reply. */
function value(node: Tree): unknown {
  switch (node.t) {
    case 'simple':
      return node.s;
    case 'error':
      return { message: node.s, code: 'WRONGTYPE' };
    case 'int':
      return Number.isSafeInteger(Number(node.n)) ? Number(node.n) : String(node.n);
    case 'bulk':
      try {
        return strict.decode(node.b);
      } catch {
        return { bytes: [...node.b] };
      }
    case 'null':
      return null;
    case 'array':
      return node.items.map(value);
  }
}

let replies: Buffer[] = [];
const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('data', (chunk) => {
    const commands = chunk.toString('latin1').split('\r\n').filter((l) => l.startsWith('*')).length;
    for (let i = 0; i < commands; i++) socket.write(replies.shift() ?? Buffer.from('-ERR no reply queued\r\n'));
  });
  socket.on('error', () => {});
});
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => {
  for (const s of sockets) s.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe.each(MODES)('random Redis replies (%s)', (mode) => {
  let host: Host;
  beforeAll(async () => {
    const { port } = server.address() as { port: number };
    host = await createHost({ ...pluginSource(plugin, mode), pluginConfig: { redis: { cluster: CLUSTER, timeoutMs: 5000 } }, clusters: { [CLUSTER]: `redis://127.0.0.1:${port}` } });
  });
  afterAll(() => host.close());

  it('answers each reply as its value, a reply error or a protocol error, and the VM lives', async () => {
    await fc.assert(
      fc.asyncProperty(deepened, async ({ node, depth }) => {
        replies.push(encode(node));
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
    replies = [];
  });
});
