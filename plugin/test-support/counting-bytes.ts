/**
 * Bytes that count how much their native searches read, for linearity guards that do not depend on the
 * clock: `examined` sums, over every `indexOf` call, the bytes from the start position to the match (or
 * to the end). Code that searches each stretch once keeps it within a small multiple of the length.
 */
export class CountingBytes extends Uint8Array {
  examined = 0;

  static ofText(text: string): CountingBytes {
    const bytes = new TextEncoder().encode(text);
    const counting = new CountingBytes(bytes.length);
    counting.set(bytes);
    return counting;
  }

  override indexOf(value: number, from = 0): number {
    const at = super.indexOf(value, from);
    this.examined += (at === -1 ? this.length : at + 1) - Math.max(0, from);
    return at;
  }
}
