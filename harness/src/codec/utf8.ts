/**
 * UTF-8 for host functions, fast for the short ASCII strings that header names, values and paths mostly
 * are (TextEncoder/TextDecoder cost about a microsecond per call in Node, which would make the harness,
 * not the plugin, the cost of a header read). Encoding turns a lone surrogate into U+FFFD and decoding
 * replaces ill-formed sequences with U+FFFD, both as TextEncoder/TextDecoder do; a leading BOM is kept,
 * since Envoy passes bytes as they are.
 */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Writes the UTF-8 of `text` into `out` at `offset`; returns the bytes written. */
export function writeUtf8(text: string, out: Uint8Array, offset: number): number {
  const n = text.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) {
      ascii = false;
      break;
    }
    out[offset + i] = c;
  }
  if (ascii) return n;
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, offset, 'utf8');
}

export function encodeUtf8(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  writeUtf8(text, out, 0);
  return out;
}

export function decodeUtf8(bytes: Uint8Array): string {
  const n = bytes.length;
  for (let i = 0; i < n; i++) if (bytes[i]! > 0x7f) return decoder.decode(bytes);
  if (n <= 16) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('latin1');
}
