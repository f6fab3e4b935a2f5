// AssemblyScript, compiled into the engine by engine/native.ts (not part of the TypeScript build).
//
// The Proxy-Wasm header-pairs block (u32 N, N × (u32 key_len, u32 value_len), then each key and value
// followed by NUL) seen as its strings area, "k\0v\0…", which JS splits and joins natively.

/** The index of the first NUL in [at, at + n), or −1. */
function findNul(at: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) if (load<u8>(at + i) == 0) return i;
  return -1;
}

/**
 * The offset of the strings area of the block, when the lengths and terminators agree with its size
 * and no key or value holds a NUL; −1 otherwise. An empty block (size 0) has an empty strings area.
 */
export function pairs_strings(block: usize, len: i32): i32 {
  if (len == 0) return 0;
  if (len < 4) return -1;
  const n = load<u32>(block);
  if (n > <u32>((len - 4) >> 3)) return -1;
  const start = 4 + (<i32>n << 3);
  let pos = start;
  for (let i: u32 = 0; i < n; i++) {
    for (let part: u32 = 0; part < 2; part++) {
      const size = load<u32>(block + 4 + (<usize>i << 3) + (<usize>part << 2));
      if (size >= <u32>(len - pos)) return -1;
      if (findNul(block + pos, <i32>size) >= 0) return -1;
      pos += <i32>size;
      if (load<u8>(block + pos) != 0) return -1;
      pos++;
    }
  }
  return pos == len ? start : -1;
}

/**
 * Writes the header of the block for the strings area `text` ("k\0v\0…", `count` pairs) to `out`
 * (4 + 8 × count bytes): 1 when the text is exactly 2 × count NUL-terminated strings, else 0.
 */
export function pairs_header(text: usize, len: i32, count: i32, out: usize): i32 {
  if (count < 0 || count > (len >> 1)) return 0;
  store<u32>(out, count);
  let pos = 0;
  for (let k = 0; k < count * 2; k++) {
    const nul = findNul(text + pos, len - pos);
    if (nul < 0) return 0;
    store<u32>(out + 4 + (<usize>k << 2), nul);
    pos += nul + 1;
  }
  return pos == len ? 1 : 0;
}
