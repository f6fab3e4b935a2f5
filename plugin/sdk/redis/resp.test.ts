/**
 * RESP2 on untrusted bytes: random reply trees encoded by a reference encoder parse back to the values
 * the client promises (bulk strings as strings when UTF-8, else ArrayBuffers; unsafe integers as
 * decimal strings; error replies as RedisErrorReply), every strict prefix is "incomplete", random bytes
 * either parse or throw RespError (nothing else, no recursion), the harness's framer finds the same end,
 * nesting past the bound is refused, commands encode as bulk-string arrays, and the SHA-1 behind
 * EVALSHA is node:crypto's.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replyEnd, RespFrameError, RespFramer } from '../../../harness/src/callouts/resp-frame.ts';
import { MAX_REPLY_DEPTH, RedisErrorReply, RespError, encodeCommand, parseReply, parseWholeReply, type RedisValue } from './resp.ts';
import { sha1Hex } from './sha1.ts';
import { encodeTree, replyTree, treeValue, type Tree } from '../../test-support/resp-trees.ts';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);
const runs = (n: number) => ({ seed: SEED, numRuns: Number(process.env.PROPERTY_RUNS ?? n) });
const enc = new TextEncoder();

const tree = replyTree('ERR');
const encode = (node: Tree) => new Uint8Array(encodeTree(node));
const expected = (node: Tree) => treeValue(node, (text) => ({ error: text }));

function plain(value: RedisValue): unknown {
  if (value instanceof RedisErrorReply) return { error: value.message };
  if (value instanceof ArrayBuffer) return { bytes: [...new Uint8Array(value)] };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

describe('parseReply', () => {
  it('parses every reply tree to the values the client promises, and frames it where the harness does', () => {
    fc.assert(
      fc.property(tree, (node) => {
        const bytes = encode(node);
        expect(plain(parseWholeReply(bytes))).toEqual(expected(node));
        expect(replyEnd(bytes)).toBe(bytes.length);
      }),
      runs(400),
    );
  });

  it('answers "incomplete" for every strict prefix, and finds the first of two pipelined replies', () => {
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const first = encode(a);
        for (let cut = 0; cut < first.length; cut++) {
          expect(parseReply(first.subarray(0, cut))).toBeUndefined();
          expect(replyEnd(first.subarray(0, cut))).toBe(-1);
        }
        const both = Buffer.concat([first, encode(b)]);
        expect(parseReply(both)!.end).toBe(first.length);
        expect(plain(parseReply(both, first.length)!.value)).toEqual(expected(b));
      }),
      runs(150),
    );
  });

  it('on random bytes either parses or throws RespError, as the harness framer agrees', () => {
    const noise = fc.oneof(
      fc.uint8Array({ maxLength: 60 }),
      fc.array(fc.constantFrom('*', '$', ':', '+', '-', '\r\n', '1', '-1', '2', 'x', '99999999999999999999'), { maxLength: 30 }).map((p) => enc.encode(p.join(''))),
    );
    fc.assert(
      fc.property(noise, (bytes) => {
        let parsed: ReturnType<typeof parseReply> | 'error';
        try {
          parsed = parseReply(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(RespError);
          parsed = 'error';
        }
        let framed: number | 'error';
        try {
          framed = replyEnd(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(RespFrameError);
          framed = 'error';
        }
        if (parsed !== 'error' && parsed !== undefined && framed !== 'error') expect(framed).toBe(parsed.end);
      }),
      runs(600),
    );
  });

  it('frames pipelined replies cut anywhere into the same replies, in order (the harness framer resumes)', () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 40 }), (nodes, cuts) => {
        const whole = Buffer.concat(nodes.map(encode));
        const framer = new RespFramer();
        const replies: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < whole.length; i++) {
          const size = cuts[i % cuts.length]!;
          replies.push(...framer.push(whole.subarray(at, at + size)));
          at += size;
        }
        expect(replies.map((r) => Buffer.from(r).toString('latin1'))).toEqual(nodes.map((n) => Buffer.from(encode(n)).toString('latin1')));
      }),
      runs(300),
    );
  });

  it('refuses overlong number lines and lengths the client would refuse, instead of waiting for them', () => {
    expect(() => new RespFramer().push(enc.encode(':' + '1'.repeat(30)))).toThrow(RespFrameError);
    expect(() => new RespFramer().push(enc.encode('$99999999999999999999\r\n'))).toThrow(/out of range/);
    expect(() => new RespFramer().push(enc.encode('*-2\r\n'))).toThrow(/out of range/);
    expect(() => parseWholeReply(enc.encode(':' + '1'.repeat(30) + '\r\n'))).toThrow(RespError);
  });

  it(`refuses arrays nested deeper than ${MAX_REPLY_DEPTH} without using the stack, and accepts ${MAX_REPLY_DEPTH}`, () => {
    const deep = (n: number) => enc.encode('*1\r\n'.repeat(n) + ':1\r\n');
    expect(() => parseWholeReply(deep(100000))).toThrow(RespError);
    let value = parseWholeReply(deep(MAX_REPLY_DEPTH));
    for (let i = 0; i < MAX_REPLY_DEPTH; i++) value = (value as RedisValue[])[0]!;
    expect(value).toBe(1);
    expect(replyEnd(deep(100000))).toBe(deep(100000).length);
  });

  it('refuses a reply with trailing bytes or a length that is not a number', () => {
    expect(() => parseWholeReply(enc.encode('+OK\r\n+OK\r\n'))).toThrow(/followed by 5 more bytes/);
    expect(() => parseWholeReply(enc.encode('$abc\r\n'))).toThrow(/not an integer/);
    expect(() => parseWholeReply(enc.encode('$3\r\nabcd\r\n'))).toThrow(/does not end in CRLF/);
    expect(() => parseWholeReply(enc.encode('%1\r\n'))).toThrow(/not a RESP2 type byte: 0x25/);
  });
});

describe('linear in the reply size', () => {
  /** An array of `n` bulk strings with a long simple string among them: what quadratic framing would choke on. */
  const reply = (n: number) => Buffer.concat([Buffer.from(`*${n + 1}\r\n`), Buffer.from(`+${'s'.repeat(n)}\r\n`), ...Array.from({ length: n }, (_, i) => Buffer.from(`$${String(i).length}\r\n${i}\r\n`))]);
  const SMALL = reply(20_000);
  const LARGE = reply(160_000);

  function nsPerByte(run: (bytes: Buffer) => void, bytes: Buffer): number {
    const started = process.hrtime.bigint();
    run(bytes);
    return Number(process.hrtime.bigint() - started) / bytes.length;
  }

  /** The ratio of minima of interleaved rounds, per byte, of a body eight times larger (quadratic code: about 8). */
  function growth(run: (bytes: Buffer) => void): number {
    let small = Infinity;
    let large = Infinity;
    for (let round = 0; round < 5; round++) {
      small = Math.min(small, nsPerByte(run, SMALL));
      large = Math.min(large, nsPerByte(run, LARGE));
    }
    return large / small;
  }

  it('frames a reply cut into 1460-byte TCP reads in time per byte that does not grow with its size', () => {
    const frame = (bytes: Buffer) => {
      const framer = new RespFramer();
      let replies = 0;
      for (let at = 0; at < bytes.length; at += 1460) replies += framer.push(bytes.subarray(at, at + 1460)).length;
      expect(replies).toBe(1);
    };
    expect(growth(frame)).toBeLessThan(2.5);
  });

  it('parses a whole reply in time per byte that does not grow with its size', () => {
    expect(growth((bytes) => expect((parseWholeReply(bytes) as RedisValue[]).length).toBeGreaterThan(1))).toBeLessThan(2.5);
  });
});

describe('encodeCommand', () => {
  it('writes every argument as a bulk string that parses back', () => {
    const arg = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer(), fc.uint8Array({ maxLength: 10 }));
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), (args) => {
        const value = parseWholeReply(new Uint8Array(encodeCommand(args))) as RedisValue[];
        const bytes = (a: unknown) => (a instanceof Uint8Array ? a : enc.encode(String(a)));
        expect(value.map((v) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : [...enc.encode(v as string)]))).toEqual(args.map((a) => [...bytes(a)]));
      }),
      runs(300),
    );
  });

  it('writes commands of strings (lone surrogates included) and numbers as one text whose lengths are the bytes sent', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const arg = fc.oneof(fc.string({ unit, maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), (args) => {
        const value = parseWholeReply(new Uint8Array(encodeCommand(args))) as RedisValue[];
        expect(value.map((v) => [...(v instanceof ArrayBuffer ? new Uint8Array(v) : enc.encode(v as string))])).toEqual(args.map((a) => [...enc.encode(String(a))]));
      }),
      runs(300),
    );
  });

  it('encodes in time per byte that does not grow with the command size', () => {
    const command = (n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? i : `value-${i}-é`));
    const small = command(2_000);
    const large = command(16_000);
    const perArg = (args: Array<string | number>) => {
      const started = process.hrtime.bigint();
      encodeCommand(args);
      return Number(process.hrtime.bigint() - started) / args.length;
    };
    let a = Infinity;
    let b = Infinity;
    for (let round = 0; round < 5; round++) {
      a = Math.min(a, perArg(small));
      b = Math.min(b, perArg(large));
    }
    expect(b / a).toBeLessThan(2.5);
  });

  it('refuses no arguments and numbers that are not finite', () => {
    expect(() => encodeCommand([])).toThrow(RangeError);
    expect(() => encodeCommand(['SET', 'k', Number.NaN])).toThrow(/finite number/);
  });
});

describe('sha1Hex', () => {
  it('is node:crypto SHA-1 of the UTF-8 text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(sha1Hex(text)).toBe(createHash('sha1').update(text, 'utf8').digest('hex'));
      }),
      runs(300),
    );
    expect(sha1Hex('')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  });
});
