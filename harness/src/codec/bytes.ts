/** Byte helpers the host's stream and buffer emulation share. */

/** One array holding `parts` end to end. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2 && parts[0]!.length === 0) return parts[1]!;
  if (parts.length === 2 && parts[1]!.length === 0) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
