// AssemblyScript, compiled into the engine by engine/native.ts (not part of the TypeScript build).
//
// Byte splices on a body: `splices` is u32 words — count, then (start, end, length) per splice, then the
// replacement bytes of every splice end to end. Splices must be in order, not overlap, and lie within
// the body; each replaces body[start, end) with its bytes.

/** The index of the first `byte` in [at, at + len), or −1. */
export function find_byte(at: usize, len: i32, byte: i32): i32 {
  for (let i = 0; i < len; i++) if (<i32>load<u8>(at + i) == byte) return i;
  return -1;
}

/** The length of the body after the splices, or −1 when they are malformed or out of order. */
export function splice_size(len: i32, splices: usize, splicesLen: i32): i32 {
  if (splicesLen < 4) return -1;
  const count = load<u32>(splices);
  if (count > <u32>((splicesLen - 4) / 12)) return -1;
  let data: i64 = 0;
  let size: i64 = len;
  let previous: i64 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const at = splices + 4 + (<usize>k * 12);
    const start: i64 = load<u32>(at);
    const end: i64 = load<u32>(at + 4);
    const length: i64 = load<u32>(at + 8);
    if (start < previous || end < start || end > <i64>len) return -1;
    previous = end;
    data += length;
    size += length - (end - start);
  }
  if (4 + <i64>count * 12 + data != <i64>splicesLen || size > 0x7fffffff) return -1;
  return <i32>size;
}

/** Writes the spliced body to `out` (splice_size bytes); the splices were checked by splice_size. */
export function splice_write(body: usize, len: i32, splices: usize, out: usize): void {
  const count = load<u32>(splices);
  let data = splices + 4 + <usize>count * 12;
  let from: usize = 0;
  let o = out;
  for (let k: u32 = 0; k < count; k++) {
    const at = splices + 4 + (<usize>k * 12);
    const start = <usize>load<u32>(at);
    const end = <usize>load<u32>(at + 4);
    const length = <usize>load<u32>(at + 8);
    memory.copy(o, body + from, start - from);
    o += start - from;
    memory.copy(o, data, length);
    o += length;
    data += length;
    from = end;
  }
  memory.copy(o, body + from, <usize>len - from);
}
