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

/** Whether the `n` bytes at `a` and at `b` are the same name, ASCII letters compared without case (as Envoy keeps names lower-cased). */
function sameName(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    let x = <u32>load<u8>(a + i);
    let y = <u32>load<u8>(b + i);
    if (x - 0x41 < 26) x |= 0x20;
    if (y - 0x41 < 26) y |= 0x20;
    if (x != y) return false;
  }
  return true;
}

/**
 * Whether the `n` bytes at `name` are one of the NUL-terminated strings in [list, list + listLen), taking
 * every `step`th string from the first (2: the names of a "k\0v\0…" list).
 */
function listed(name: usize, n: i32, list: usize, listLen: i32, step: i32): bool {
  let k = 0;
  let index = 0;
  while (k < listLen) {
    const end = findNul(list + k, listLen - k);
    if (end < 0) return false;
    if (index % step == 0 && end == n && sameName(name, list + k, n)) return true;
    k += end + 1;
    index++;
  }
  return false;
}

/**
 * Writes to `out` the block `block` becomes when every pair named in `remove` ("name\0…") or in `set`
 * ("k\0v\0…", `setCount` pairs) is dropped and the pairs of `set` are appended, as Envoy's replace
 * does; returns its length, or −1 when a block or list is malformed. `out` holds at least
 * len + 4 + 8 × setCount + setLen bytes.
 */
export function pairs_rewrite(block: usize, len: i32, remove: usize, removeLen: i32, set: usize, setLen: i32, setCount: i32, out: usize): i32 {
  const at = pairs_strings(block, len);
  if (at < 0 || setCount < 0) return -1;
  const n: i32 = len == 0 ? 0 : <i32>load<u32>(block);
  let kept = 0;
  let pos = at;
  for (let i = 0; i < n; i++) {
    const k = <i32>load<u32>(block + 4 + (<usize>i << 3));
    const v = <i32>load<u32>(block + 8 + (<usize>i << 3));
    if (!listed(block + pos, k, remove, removeLen, 1) && !listed(block + pos, k, set, setLen, 2)) kept++;
    pos += k + v + 2;
  }
  const total = kept + setCount;
  let head = out + 4;
  let strings = out + 4 + (<usize>total << 3);
  store<u32>(out, total);
  pos = at;
  for (let i = 0; i < n; i++) {
    const k = <i32>load<u32>(block + 4 + (<usize>i << 3));
    const v = <i32>load<u32>(block + 8 + (<usize>i << 3));
    if (!listed(block + pos, k, remove, removeLen, 1) && !listed(block + pos, k, set, setLen, 2)) {
      store<u32>(head, k);
      store<u32>(head + 4, v);
      head += 8;
      memory.copy(strings, block + pos, k + v + 2);
      strings += k + v + 2;
    }
    pos += k + v + 2;
  }
  let s = 0;
  for (let i = 0; i < setCount * 2; i++) {
    const end = findNul(set + s, setLen - s);
    if (end < 0) return -1;
    store<u32>(head, end);
    head += 4;
    s += end + 1;
  }
  if (s != setLen) return -1;
  memory.copy(strings, set, setLen);
  return <i32>(strings + setLen - out);
}
