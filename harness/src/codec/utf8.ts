/**
 * UTF-8 for host functions, cheap enough that a header read costs the plugin rather than the harness:
 * TextDecoder for every decode (the fastest at every size on Node 20), and a JS loop for the short ASCII
 * strings header names and values mostly are (TextEncoder costs more for those). Encoding turns a lone
 * surrogate into U+FFFD and decoding replaces ill-formed sequences with U+FFFD, as TextEncoder and
 * TextDecoder do; a leading BOM is kept, since Envoy passes bytes as they are.
 */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();
/** Up to this many UTF-16 units a JS loop encodes faster than TextEncoder (measured on Node 20). */
const SHORT = 32;

export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Writes the UTF-8 of `text` into `out` at `offset` (room for `utf8Length(text)` bytes); returns the bytes written. */
export function writeUtf8(text: string, out: Uint8Array, offset: number): number {
  const n = text.length;
  if (n > SHORT) return encoder.encodeInto(text, out.subarray(offset)).written;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return encoder.encodeInto(text, out.subarray(offset)).written;
    out[offset + i] = c;
  }
  return n;
}

export function encodeUtf8(text: string): Uint8Array {
  if (text.length > SHORT) return encoder.encode(text);
  const out = new Uint8Array(utf8Length(text));
  writeUtf8(text, out, 0);
  return out;
}

export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
