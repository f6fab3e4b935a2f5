/**
 * Unsigned LEB128, the Wasm binary format's variable-length integers: reading one within bounds (too
 * long or cut off is a `LebError` naming the offset) and encoding one canonically.
 */

export class LebError extends Error {}

/** The value of the unsigned LEB128 of at most `bits` bits at `pos`, and the position after it. */
export function readUleb(bytes: Uint8Array, pos: number, end = bytes.length, bits: 32 | 64 = 32): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= end) throw new LebError(`unexpected end of data at offset ${pos}`);
    const b = bytes[pos++]!;
    if (shift === (bits === 32 ? 28 : 63) && b > (bits === 32 ? 0x0f : 0x01)) throw new LebError(`LEB128 u${bits} too long at offset ${pos - 1}`);
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: pos };
  }
}

/** The shortest LEB128 bytes of `value`. */
export function encodeUleb(value: number): number[] {
  const out: number[] = [];
  do {
    const low = value % 128;
    value = Math.floor(value / 128);
    out.push(value > 0 ? low | 0x80 : low);
  } while (value > 0);
  return out;
}
