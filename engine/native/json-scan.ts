// AssemblyScript, compiled into the engine by engine/native.ts (not part of the TypeScript build).
//
// One pass over JSON text in linear memory: validates it (RFC 8259 grammar; UTF-8 is checked by the
// glue before), refuses nesting deeper than `maxDepth`, and, when the value is an object, reports the
// spans of the top-level members whose names are in `keys` (NUL-separated), the last occurrence of
// each winning as in JSON.parse. It allocates nothing: results go to `out` (i32 words, then the
// container stack from byte STACK), which the caller provides.

const OK: i32 = 0;
const INVALID: i32 = 1;
const TOO_DEEP: i32 = 2;
const NOT_OBJECT: i32 = 3;
const DECLINED: i32 = 4;

const O_AUX: usize = 0; // error offset, or the first byte of a value that is not an object
const O_OBJECT_START: usize = 1;
const O_OBJECT_END: usize = 2; // index of the closing brace
const O_LAST_END: usize = 3; // end of the last member's value, -1 for {}
const O_END: usize = 4; // end of the scanned value
const O_MEMBERS: usize = 5;
const O_FIRST: usize = 6; // the first byte of the scanned value
const O_KEYS: usize = 8; // per key: count, keyStart, valueStart, valueEnd, kind (first byte of the value, | 0x100 for a string with escapes)
const KEY_WORDS: usize = 5;
const MAX_KEYS: i32 = 8;
const STACK: usize = 256;

const VALUE: i32 = 0;
const KEY: i32 = 1;
const AFTER: i32 = 2;

@inline function put(out: usize, word: usize, value: i32): void {
  store<i32>(out + (word << 2), value);
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

@inline function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

function ws(text: usize, i: i32, len: i32): i32 {
  while (i < len && isWs(load<u8>(text + i))) i++;
  return i;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

/** Whether any of the eight bytes of `w` is a quote, a backslash or below 0x20 (may also answer true for a byte after one that is). */
@inline function special(w: u64): bool {
  const q = w ^ (ONES * 0x22);
  const b = w ^ (ONES * 0x5c);
  return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS ? true : false;
}

/** Past the string whose opening quote is at `i`, or -1 (invalid), or -(2 + end) when it held an escape. Plain runs are passed eight bytes at a time. */
function skipString(text: usize, i: i32, len: i32): i32 {
  let escaped = false;
  i++;
  while (i <= len) {
    while (i + 8 <= len && !special(load<u64>(text + i))) i += 8;
    while (i < len) {
      const c: u32 = load<u8>(text + i);
      if (c == 0x22 || c == 0x5c || c < 0x20) break;
      i++;
    }
    if (i >= len) return -1;
    const c: u32 = load<u8>(text + i);
    if (c == 0x22) return escaped ? -(2 + i + 1) : i + 1;
    if (c < 0x20) return -1;
    escaped = true;
    if (i + 1 >= len) return -1;
    const e: u32 = load<u8>(text + i + 1);
    if (e == 0x75) {
      if (i + 5 >= len) return -1;
      for (let k = 2; k < 6; k++) if (!isHex(load<u8>(text + i + k))) return -1;
      i += 6;
    } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) i += 2;
    else return -1;
  }
  return -1;
}

function skipNumber(text: usize, i: i32, len: i32): i32 {
  if (i < len && load<u8>(text + i) == 0x2d) i++;
  if (i >= len) return -1;
  let c: u32 = load<u8>(text + i);
  if (c == 0x30) i++;
  else if (c - 0x31 < 9) {
    while (i < len && isDigit(load<u8>(text + i))) i++;
  } else return -1;
  if (i < len && load<u8>(text + i) == 0x2e) {
    i++;
    if (i >= len || !isDigit(load<u8>(text + i))) return -1;
    while (i < len && isDigit(load<u8>(text + i))) i++;
  }
  if (i < len && (load<u8>(text + i) | 0x20) == 0x65) {
    i++;
    if (i < len) {
      c = load<u8>(text + i);
      if (c == 0x2b || c == 0x2d) i++;
    }
    if (i >= len || !isDigit(load<u8>(text + i))) return -1;
    while (i < len && isDigit(load<u8>(text + i))) i++;
  }
  return i;
}

function skipLiteral(text: usize, i: i32, len: i32): i32 {
  const c: u32 = load<u8>(text + i);
  // true, false, null as little-endian words of their bytes after the first
  if (c == 0x74) return i + 4 <= len && load<u8>(text + i + 1) == 0x72 && load<u8>(text + i + 2) == 0x75 && load<u8>(text + i + 3) == 0x65 ? i + 4 : -1;
  if (c == 0x66) return i + 5 <= len && load<u8>(text + i + 1) == 0x61 && load<u8>(text + i + 2) == 0x6c && load<u8>(text + i + 3) == 0x73 && load<u8>(text + i + 4) == 0x65 ? i + 5 : -1;
  if (c == 0x6e) return i + 4 <= len && load<u8>(text + i + 1) == 0x75 && load<u8>(text + i + 2) == 0x6c && load<u8>(text + i + 3) == 0x6c ? i + 4 : -1;
  return -1;
}

/** Which of the NUL-separated `keys` the key bytes [start, end) are, or -1. */
function matchKey(text: usize, start: i32, end: i32, keys: usize, keysLen: i32): i32 {
  let index = 0;
  let k = 0;
  while (k < keysLen && index < MAX_KEYS) {
    let n = 0;
    while (k + n < keysLen && load<u8>(keys + k + n) != 0) n++;
    if (n == end - start && memory.compare(text + start, keys + k, n) == 0) return index;
    k += n + 1;
    index++;
  }
  return -1;
}

/**
 * Scans the value at `text[0]` (after whitespace). `whole`: the value must be all of the text (trailing
 * whitespace allowed). Returns OK (an object), NOT_OBJECT (valid, another kind), INVALID, TOO_DEEP
 * (out[0] = where) or DECLINED (a top-level member name holds an escape, so names cannot be compared).
 */
export function json_scan(text: usize, len: i32, keys: usize, keysLen: i32, out: usize, maxDepth: i32, whole: i32): i32 {
  for (let w: usize = 0; w < O_KEYS + <usize>MAX_KEYS * KEY_WORDS; w++) put(out, w, -1);
  for (let k: usize = 0; k < <usize>MAX_KEYS; k++) put(out, O_KEYS + k * KEY_WORDS, 0);
  put(out, O_MEMBERS, 0);
  let i = ws(text, 0, len);
  if (i >= len) {
    put(out, O_AUX, i);
    return INVALID;
  }
  const topObject = load<u8>(text + i) == 0x7b;
  put(out, O_FIRST, load<u8>(text + i));
  put(out, topObject ? O_OBJECT_START : O_AUX, i);
  let depth = 0;
  let mode = VALUE;
  let member = -1;
  let valueStart = -1;
  let members = 0;
  let escapedValue = false;
  while (true) {
    if (mode == VALUE) {
      if (i >= len) break;
      const c: u32 = load<u8>(text + i);
      if (c == 0x7b || c == 0x5b) {
        if (++depth > maxDepth) {
          put(out, O_AUX, i);
          return TOO_DEEP;
        }
        store<u8>(out + STACK + depth, c == 0x7b ? 1 : 2);
        i = ws(text, i + 1, len);
        if (i < len && load<u8>(text + i) == c + 2) {
          if (depth == 1 && topObject) put(out, O_OBJECT_END, i);
          i++;
          depth--;
          mode = AFTER;
        } else mode = c == 0x7b ? KEY : VALUE;
        continue;
      }
      if (c == 0x22) i = skipString(text, i, len);
      else if (c == 0x2d || isDigit(c)) i = skipNumber(text, i, len);
      else i = skipLiteral(text, i, len);
      if (i < -1) {
        i = -(i + 2);
        if (depth == 1) escapedValue = true;
      }
      if (i < 0) break;
      mode = AFTER;
    } else if (mode == KEY) {
      if (i >= len || load<u8>(text + i) != 0x22) break;
      const keyStart = i;
      let end = skipString(text, i, len);
      if (end == -1) break;
      if (end < -1) {
        if (depth == 1 && topObject) {
          put(out, O_AUX, keyStart);
          return DECLINED;
        }
        end = -(end + 2);
      }
      if (depth == 1 && topObject) {
        member = matchKey(text, keyStart + 1, end - 1, keys, keysLen);
        if (member >= 0) put(out, O_KEYS + <usize>member * KEY_WORDS + 1, keyStart);
      }
      i = ws(text, end, len);
      if (i >= len || load<u8>(text + i) != 0x3a) break;
      i = ws(text, i + 1, len);
      if (depth == 1) {
        valueStart = i;
        escapedValue = false;
      }
      mode = VALUE;
    } else {
      if (depth == 1 && topObject) {
        members++;
        put(out, O_LAST_END, i);
        if (member >= 0) {
          const at = O_KEYS + <usize>member * KEY_WORDS;
          store<i32>(out + (at << 2), load<i32>(out + (at << 2)) + 1);
          put(out, at + 2, valueStart);
          put(out, at + 3, i);
          put(out, at + 4, <i32>load<u8>(text + valueStart) | (escapedValue ? 0x100 : 0));
          member = -1;
        }
      }
      if (depth == 0) {
        put(out, O_END, i);
        put(out, O_MEMBERS, members);
        if (whole != 0) {
          i = ws(text, i, len);
          if (i < len) break;
        }
        return topObject ? OK : NOT_OBJECT;
      }
      i = ws(text, i, len);
      if (i >= len) break;
      const c: u32 = load<u8>(text + i);
      const container: u32 = load<u8>(out + STACK + depth);
      if (c == 0x2c) {
        i = ws(text, i + 1, len);
        mode = container == 1 ? KEY : VALUE;
      } else if ((container == 1 && c == 0x7d) || (container == 2 && c == 0x5d)) {
        if (depth == 1 && topObject) put(out, O_OBJECT_END, i);
        i++;
        depth--;
      } else break;
    }
  }
  put(out, O_AUX, i < 0 ? len : i);
  return INVALID;
}
