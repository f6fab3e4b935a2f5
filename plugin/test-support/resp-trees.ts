/**
 * Random RESP2 reply trees for property tests of the Redis client and the harness's framer: simple
 * strings, error replies (`<code> text`), 64-bit integers, binary and UTF-8 bulk strings, nulls and
 * nested arrays, with the encoder that writes them as a Redis server would.
 */
import fc from 'fast-check';

export type Tree =
  | { t: 'simple'; s: string }
  | { t: 'error'; s: string }
  | { t: 'int'; n: bigint }
  | { t: 'bulk'; b: Uint8Array }
  | { t: 'null-bulk' }
  | { t: 'null-array' }
  | { t: 'array'; items: Tree[] };

const enc = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const line = fc.string({ maxLength: 16 }).map((s) => s.replace(/[\r\n]/g, ' '));

/** Trees whose error replies start with `code`. */
export function replyTree(code: string, maxItems = 5): fc.Arbitrary<Tree> {
  return fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small' },
      line.map((s) => ({ t: 'simple' as const, s })),
      line.map((s) => ({ t: 'error' as const, s: `${code} ${s}` })),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ t: 'int' as const, n })),
      fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.string({ unit: 'grapheme', maxLength: 16 }).map((s) => enc.encode(s))).map((b) => ({ t: 'bulk' as const, b })),
      fc.constant({ t: 'null-bulk' as const }),
      fc.constant({ t: 'null-array' as const }),
      fc.array(tie('tree'), { maxLength: maxItems }).map((items) => ({ t: 'array' as const, items })),
    ),
  })).tree;
}

export function encodeTree(node: Tree): Buffer {
  switch (node.t) {
    case 'simple':
      return Buffer.from(`+${node.s}\r\n`);
    case 'error':
      return Buffer.from(`-${node.s}\r\n`);
    case 'int':
      return Buffer.from(`:${node.n}\r\n`);
    case 'bulk':
      return Buffer.concat([Buffer.from(`$${node.b.length}\r\n`), node.b, Buffer.from('\r\n')]);
    case 'null-bulk':
      return Buffer.from('$-1\r\n');
    case 'null-array':
      return Buffer.from('*-1\r\n');
    case 'array':
      return Buffer.concat([Buffer.from(`*${node.items.length}\r\n`), ...node.items.map(encodeTree)]);
  }
}

/** The value the client promises for a node, with errors and binary bulk strings shaped by the caller. */
export function treeValue(node: Tree, error: (text: string) => unknown): unknown {
  switch (node.t) {
    case 'simple':
      return node.s;
    case 'error':
      return error(node.s);
    case 'int':
      return Number.isSafeInteger(Number(node.n)) ? Number(node.n) : String(node.n);
    case 'bulk':
      try {
        return strict.decode(node.b);
      } catch {
        return { bytes: [...node.b] };
      }
    case 'null-bulk':
    case 'null-array':
      return null;
    case 'array':
      return node.items.map((item) => treeValue(item, error));
  }
}

/** How many arrays with items nest in `node`. */
export function treeDepth(node: Tree): number {
  return node.t === 'array' && node.items.length > 0 ? 1 + Math.max(...node.items.map(treeDepth)) : 0;
}
