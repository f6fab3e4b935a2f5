/**
 * RESP2, the protocol Higress's Redis calls carry (traffic-management §A: raw bytes both ways, one
 * command per call): a command encoded as an array of bulk strings, and a reply parser that is safe on
 * any bytes — it answers `undefined` while a reply is incomplete (so it can be fed a stream in pieces),
 * throws `RespError` for bytes that are not RESP2 or nest deeper than `MAX_REPLY_DEPTH`, and runs
 * without recursion. Bulk strings become strings when they are UTF-8, else ArrayBuffers; integers
 * beyond 2^53 stay exact as decimal strings; `-ERR …` replies are values of type `RedisErrorReply`.
 */
import { decodeUtf8, encodeUtf8, isValidUtf8 } from '../codec.ts';

export type RedisArg = string | number | ArrayBuffer | Uint8Array;
export type RedisValue = string | number | null | ArrayBuffer | RedisErrorReply | RedisValue[];

/** An error reply (`-NOSCRIPT No matching script`): its text, and the first word as its code. */
export class RedisErrorReply {
  readonly code: string;
  constructor(readonly message: string) {
    const space = message.indexOf(' ');
    this.code = space < 0 ? message : message.slice(0, space);
  }
}

export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RespError';
  }
}

export const MAX_REPLY_DEPTH = 64;

function argBytes(arg: RedisArg): Uint8Array {
  if (typeof arg === 'string') return new Uint8Array(encodeUtf8(arg));
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new RangeError(`a Redis argument must be a finite number, got ${arg}`);
    return new Uint8Array(encodeUtf8(String(arg)));
  }
  return arg instanceof Uint8Array ? arg : new Uint8Array(arg);
}

function ascii(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** The command as one text when every argument is a string or a number (one UTF-8 encoding at the end); undefined when one is bytes. */
function commandText(args: readonly RedisArg[]): string | undefined {
  let text = `*${args.length}\r\n`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (typeof arg === 'string') text += `$${encodeUtf8(arg).byteLength}\r\n${arg}\r\n`;
    else if (typeof arg === 'number') {
      if (!Number.isFinite(arg)) throw new RangeError(`a Redis argument must be a finite number, got ${arg}`);
      const s = String(arg);
      text += `$${s.length}\r\n${s}\r\n`;
    } else return undefined;
  }
  return text;
}

/** `*N\r\n$len\r\narg\r\n…`: one command, every argument a bulk string. */
export function encodeCommand(args: readonly RedisArg[]): ArrayBuffer {
  if (args.length === 0) throw new RangeError('a Redis command needs at least its name');
  const text = commandText(args);
  if (text !== undefined) return encodeUtf8(text);
  const parts = args.map(argBytes);
  const heads = parts.map((p) => `$${p.length}\r\n`);
  const head = `*${parts.length}\r\n`;
  let size = head.length;
  parts.forEach((p, i) => (size += heads[i]!.length + p.length + 2));
  const out = new Uint8Array(size);
  let at = ascii(head, out, 0);
  parts.forEach((p, i) => {
    at = ascii(heads[i]!, out, at);
    out.set(p, at);
    at = ascii('\r\n', out, at + p.length);
  });
  return out.buffer;
}

const CR = 13;
const LF = 10;

const MAX_NUMBER_LINE = 21;

/** The ASCII of a length or integer line; a longer line than any 64-bit number needs is refused before it is read. */
function lineText(bytes: Uint8Array, from: number, to: number): string {
  if (to - from > MAX_NUMBER_LINE) throw new RespError(`a length or integer line of ${to - from} bytes`);
  let text = '';
  for (let i = from; i < to; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** The integer on a line: a number when it is exact as one, else its decimal text (beyond 2^53). */
function integerAt(bytes: Uint8Array, from: number, to: number, what: string): number | string {
  if (to - from > MAX_NUMBER_LINE) throw new RespError(`a length or integer line of ${to - from} bytes`);
  const negative = bytes[from] === 0x2d;
  const first = negative ? from + 1 : from;
  let value = 0;
  for (let i = first; i < to; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) value = NaN;
    else value = value * 10 + d;
  }
  const digits = to - first;
  if (digits < 1 || digits > 20 || value !== value) throw new RespError(`${what} is not an integer: ${JSON.stringify(lineText(bytes, from, to))}`);
  if (digits <= 15) return negative ? -value : value;
  const text = lineText(bytes, from, to);
  const exact = Number(text);
  return Number.isSafeInteger(exact) ? exact : text;
}

function lengthAt(bytes: Uint8Array, from: number, to: number, what: string): number {
  const value = integerAt(bytes, from, to, what);
  if (typeof value !== 'number' || value < -1 || value > 0x7fffffff) throw new RespError(`${what} is out of range: ${lineText(bytes, from, to)}`);
  return value;
}

interface Frame {
  items: RedisValue[];
  remaining: number;
}

/** Parses one reply from `bytes` at `start`: the value and where it ended, or `undefined` while incomplete. */
export function parseReply(bytes: Uint8Array, start = 0): { value: RedisValue; end: number } | undefined {
  let at = start;
  const stack: Frame[] = [];
  for (;;) {
    if (at >= bytes.length) return undefined;
    const type = bytes[at]!;
    const cr = bytes.indexOf(CR, at + 1);
    if (cr < 0 || cr + 1 >= bytes.length) return undefined;
    if (bytes[cr + 1] !== LF) throw new RespError('a reply line does not end in CRLF');
    let value: RedisValue;
    let complete = true;
    if (type === 0x2b) value = decodeUtf8(bytes.buffer as ArrayBuffer, bytes.byteOffset + at + 1, cr - at - 1);
    else if (type === 0x2d) value = new RedisErrorReply(decodeUtf8(bytes.buffer as ArrayBuffer, bytes.byteOffset + at + 1, cr - at - 1));
    else if (type === 0x3a) value = integerAt(bytes, at + 1, cr, 'an integer reply');
    else if (type === 0x24) {
      const length = lengthAt(bytes, at + 1, cr, 'a bulk string length');
      if (length < 0) value = null;
      else {
        const from = cr + 2;
        if (from + length + 2 > bytes.length) return undefined;
        if (bytes[from + length] !== CR || bytes[from + length + 1] !== LF) throw new RespError('a bulk string does not end in CRLF');
        const buffer = bytes.buffer as ArrayBuffer;
        const offset = bytes.byteOffset + from;
        value = isValidUtf8(buffer, offset, length) ? decodeUtf8(buffer, offset, length) : buffer.slice(offset, offset + length);
        at = from + length + 2;
        complete = false;
      }
    } else if (type === 0x2a) {
      const count = lengthAt(bytes, at + 1, cr, 'an array length');
      if (count <= 0) value = count < 0 ? null : [];
      else {
        if (stack.length >= MAX_REPLY_DEPTH) throw new RespError(`the reply nests arrays deeper than ${MAX_REPLY_DEPTH} levels`);
        stack.push({ items: [], remaining: count });
        at = cr + 2;
        continue;
      }
    } else throw new RespError(`not a RESP2 type byte: 0x${type.toString(16)}`);
    if (complete) at = cr + 2;
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) return { value, end: at };
      top.items.push(value);
      if (--top.remaining > 0) break;
      stack.pop();
      value = top.items;
    }
  }
}

/** The one reply `bytes` hold; RespError when they hold less, more, or not RESP2. */
export function parseWholeReply(bytes: Uint8Array): RedisValue {
  const parsed = parseReply(bytes);
  if (!parsed) throw new RespError(`the reply is incomplete (${bytes.length} bytes)`);
  if (parsed.end !== bytes.length) throw new RespError(`the reply is followed by ${bytes.length - parsed.end} more bytes`);
  return parsed.value;
}
