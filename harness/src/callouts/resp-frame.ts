/**
 * Splits the bytes a Redis server sends into whole RESP2 replies (Envoy's raw decoder knows `+ - : $ *`,
 * traffic-management §A), fed in pieces as TCP delivers them. The framer resumes where the last piece
 * ended — the position, the open arrays and a pending bulk string are kept — and the buffer grows by
 * doubling, so framing is linear in the bytes read whatever the cuts. Bytes that are not RESP2, a length
 * or integer line longer than 21 bytes, or a length outside −1 … 2^31−1 throw `RespFrameError`.
 * Iterative: deep arrays cost no stack.
 */
export class RespFrameError extends Error {}

const CR = 13;
const LF = 10;
const MAX_NUMBER_LINE = 21;
const MAX_LENGTH = 0x7fffffff;

function numberAt(data: Uint8Array, from: number, to: number): number {
  if (to - from > MAX_NUMBER_LINE) throw new RespFrameError(`a RESP length or integer line of ${to - from} bytes`);
  let text = '';
  for (let i = from; i < to; i++) text += String.fromCharCode(data[i]!);
  if (!/^-?\d{1,20}$/.test(text)) throw new RespFrameError(`not a RESP length: ${JSON.stringify(text)}`);
  return Number(text);
}

export class RespFramer {
  private data = new Uint8Array(1024);
  private length = 0;
  /** Start of the reply being framed, and where framing goes on. */
  private start = 0;
  private at = 0;
  /** Where the search for the current line's CR goes on. */
  private scanned = 0;
  /** Elements still to read at this level, and the counts of the levels above. */
  private remaining = 1;
  private readonly stack: number[] = [];
  /** The end (past CRLF) of a bulk string whose header was read, or −1. */
  private bulkEnd = -1;

  /** Appends `chunk`; answers the replies it completed, in order (copies). */
  push(chunk: Uint8Array): Uint8Array[] {
    this.append(chunk);
    const replies: Uint8Array[] = [];
    while (this.step()) {
      replies.push(this.data.slice(this.start, this.at));
      this.start = this.at;
      this.remaining = 1;
    }
    if (this.start > 0 && this.start === this.length) {
      this.length = this.start = this.at = this.scanned = 0;
    }
    return replies;
  }

  private append(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.data.length) {
      const kept = this.length - this.start;
      let size = this.data.length;
      while (size < kept + chunk.length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.data.subarray(this.start, this.length));
      const shift = this.start;
      this.data = grown;
      this.length = kept;
      this.start = 0;
      this.at -= shift;
      this.scanned -= shift;
      if (this.bulkEnd >= 0) this.bulkEnd -= shift;
    }
    this.data.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** Frames until one reply is whole (true) or more bytes are needed (false). */
  private step(): boolean {
    const data = this.data;
    for (;;) {
      if (this.remaining === 0) {
        if (this.stack.length === 0) return true;
        this.remaining = this.stack.pop()!;
        continue;
      }
      if (this.bulkEnd >= 0) {
        if (this.length < this.bulkEnd) return false;
        if (data[this.bulkEnd - 2] !== CR || data[this.bulkEnd - 1] !== LF) throw new RespFrameError('a RESP bulk string does not end in CRLF');
        this.at = this.scanned = this.bulkEnd;
        this.bulkEnd = -1;
        this.remaining--;
        continue;
      }
      if (this.at >= this.length) return false;
      const type = data[this.at]!;
      if (type !== 0x2b && type !== 0x2d && type !== 0x3a && type !== 0x24 && type !== 0x2a) throw new RespFrameError(`not a RESP2 type byte: 0x${type.toString(16)}`);
      const from = Math.max(this.scanned, this.at + 1);
      const cr = data.subarray(0, this.length).indexOf(CR, from);
      if (cr < 0 || cr + 1 >= this.length) {
        this.scanned = cr < 0 ? this.length : cr;
        if (type !== 0x2b && type !== 0x2d && this.length - this.at - 1 > MAX_NUMBER_LINE) throw new RespFrameError('a RESP length or integer line does not end');
        return false;
      }
      if (data[cr + 1] !== LF) throw new RespFrameError('a RESP line does not end in CRLF');
      const next = cr + 2;
      if (type === 0x2b || type === 0x2d) {
        this.remaining--;
      } else {
        const n = numberAt(data, this.at + 1, cr);
        if (type === 0x3a) this.remaining--;
        else if (n < -1 || n > MAX_LENGTH) throw new RespFrameError(`a RESP length out of range: ${n}`);
        else if (type === 0x24) {
          if (n < 0) this.remaining--;
          else this.bulkEnd = next + n + 2;
        } else if (n <= 0) this.remaining--;
        else {
          this.remaining--;
          this.stack.push(this.remaining);
          this.remaining = n;
        }
      }
      this.at = this.scanned = next;
    }
  }
}

/** Where the first whole reply in `data` (from `start`) ends, or −1 when it is incomplete. */
export function replyEnd(data: Uint8Array, start = 0): number {
  const framer = new RespFramer();
  const [first] = framer.push(data.subarray(start));
  return first === undefined ? -1 : start + first.length;
}
