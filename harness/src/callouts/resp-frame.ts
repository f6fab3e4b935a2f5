/**
 * Where one RESP2 reply ends in bytes read from a Redis server (Envoy's raw decoder knows `+ - : $ *`,
 * traffic-management §A): the offset just past it, −1 when more bytes are needed, or a thrown
 * `RespFrameError` for bytes that are not RESP2. Iterative, so deep arrays cost no stack.
 */
export class RespFrameError extends Error {}

const CR = 13;

/** The end of the line starting at `from` (the index of its CR), or −1 when it has not arrived. */
function lineEnd(data: Uint8Array, from: number): number {
  const cr = data.indexOf(CR, from);
  return cr < 0 || cr + 1 >= data.length ? -1 : cr;
}

function integer(data: Uint8Array, from: number, to: number): number {
  let text = '';
  for (let i = from; i < to; i++) text += String.fromCharCode(data[i]!);
  if (!/^-?\d{1,20}$/.test(text)) throw new RespFrameError(`not a RESP length: ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

export function replyEnd(data: Uint8Array, start = 0): number {
  let at = start;
  let remaining = 1;
  const stack: number[] = [];
  while (remaining > 0 || stack.length > 0) {
    if (remaining === 0) {
      remaining = stack.pop()!;
      continue;
    }
    if (at >= data.length) return -1;
    const type = data[at]!;
    const cr = lineEnd(data, at + 1);
    if (cr < 0) return -1;
    if (data[cr + 1] !== 10) throw new RespFrameError('a RESP line does not end in CRLF');
    remaining--;
    if (type === 0x2b || type === 0x2d || type === 0x3a) {
      if (type === 0x3a) integer(data, at + 1, cr);
      at = cr + 2;
    } else if (type === 0x24) {
      const length = integer(data, at + 1, cr);
      at = cr + 2;
      if (length >= 0) {
        if (at + length + 2 > data.length) return -1;
        if (data[at + length] !== CR || data[at + length + 1] !== 10) throw new RespFrameError('a RESP bulk string does not end in CRLF');
        at += length + 2;
      }
    } else if (type === 0x2a) {
      const count = integer(data, at + 1, cr);
      at = cr + 2;
      if (count > 0) {
        stack.push(remaining);
        remaining = count;
      }
    } else {
      throw new RespFrameError(`not a RESP2 type byte: 0x${type.toString(16)}`);
    }
  }
  return at;
}
