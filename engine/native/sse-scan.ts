// AssemblyScript, compiled into the engine by engine/native.ts (not part of the TypeScript build).
//
// One pass over a chunk of a `text/event-stream` body (WHATWG event-stream lines: LF, CR or CRLF; a
// blank line dispatches; `data` lines join with LF; one BOM at the start of the stream is skipped)
// that finds, without copying or decoding, the events worth parsing: those whose joined data holds
// `"usage"`, optional whitespace, `:`, optional whitespace, `{` (a superset of what a JSON object with
// a `usage` object member contains), and, while the caller still wants the model, every event with
// data. State that spans chunks lives in `state` (i32 words, owned by the caller, zero at the start of
// a stream); results go to `out`. Each event is reported as the byte span of its block — from the
// byte after the previous blank line (or the BOM) to just past its own blank line — so the caller can
// parse that block alone. Scanning stops after `outCap` events; the caller resumes at out[0].

const S_LINE: usize = 0; // 0 line start, 1–4 matched "data" so far, 5 after "data:", 6 in a data value, 7 other line
const S_AFTER_CR: usize = 1;
const S_BOM: usize = 2; // 0 stream start, 1–2 BOM bytes seen, 3 past the BOM
const S_USAGE: usize = 3; // the "usage" automaton, 10 = matched
const S_HAS_DATA: usize = 4;
const S_WANT_MODEL: usize = 5; // set by the caller

const O_STOP: usize = 0; // where scanning stopped (the chunk length when all was read)
const O_BLOCK: usize = 1; // start of the open block in this chunk, -1 when it began in an earlier one
const O_COUNT: usize = 2;
const O_LENGTH: usize = 3; // the chunk's length
const O_EVENTS: usize = 4; // per event: start (-1: in an earlier chunk), end, flags (1 = usage matched)

const MATCHED: i32 = 10;

@inline function get(base: usize, word: usize): i32 {
  return load<i32>(base + (word << 2));
}

@inline function set(base: usize, word: usize, value: i32): void {
  store<i32>(base + (word << 2), value);
}

@inline function dataByte(c: u32): u32 {
  // "data" by position
  return c == 0 ? 0x64 : c == 1 ? 0x61 : c == 2 ? 0x74 : 0x61;
}

@inline function usageStep(state: i32, c: u32): i32 {
  if (state == MATCHED) return MATCHED;
  if (state >= 1 && state <= 5) {
    const want: u32 = state == 1 ? 0x75 : state == 2 ? 0x73 : state == 3 ? 0x61 : state == 4 ? 0x67 : 0x65;
    if (c == want) return state + 1;
    return c == 0x22 ? 1 : 0;
  }
  if (state == 6) return c == 0x22 ? 7 : 0;
  if (state == 7) {
    if (c <= 0x20) return 8;
    if (c == 0x3a) return 9;
    if (c == 0x75) return 2;
    return c == 0x22 ? 1 : 0;
  }
  if (state == 8) {
    if (c <= 0x20) return 8;
    if (c == 0x3a) return 9;
    return c == 0x22 ? 1 : 0;
  }
  if (state == 9) {
    if (c <= 0x20) return 9;
    if (c == 0x7b) return MATCHED;
    return c == 0x22 ? 1 : 0;
  }
  return c == 0x22 ? 1 : 0;
}

export function sse_scan(chunk: usize, len: i32, state: usize, out: usize, outCap: i32, from: i32): i32 {
  let line = get(state, S_LINE);
  let afterCr = get(state, S_AFTER_CR);
  let bom = get(state, S_BOM);
  let usage = get(state, S_USAGE);
  let hasData = get(state, S_HAS_DATA);
  const wantModel = get(state, S_WANT_MODEL);
  let block = from > 0 ? from : -1;
  let count = 0;
  let i = from;
  while (i < len) {
    const c: u32 = load<u8>(chunk + i);
    i++;
    if (bom < 3) {
      if (bom == 0 && c == 0xef) { bom = 1; continue; }
      if (bom == 1 && c == 0xbb) { bom = 2; continue; }
      if (bom == 2 && c == 0xbf) { bom = 3; block = i; continue; }
      if (bom != 0) line = 7;
      bom = 3;
    }
    if (c == 0x0a && afterCr != 0) {
      afterCr = 0;
      continue;
    }
    afterCr = 0;
    if (c == 0x0a || c == 0x0d) {
      if (c == 0x0d) afterCr = 1;
      if (line == 0) {
        if (hasData != 0 && (usage == MATCHED || wantModel != 0)) {
          const at = O_EVENTS + <usize>count * 3;
          set(out, at, block);
          set(out, at + 1, i);
          set(out, at + 2, usage == MATCHED ? 1 : 0);
          count++;
        }
        hasData = 0;
        usage = 0;
        block = i;
        if (count == outCap) break;
        continue;
      }
      if (line >= 4 && line <= 6) {
        hasData = 1;
        usage = usageStep(usage, 0x0a);
      }
      line = 0;
      continue;
    }
    if (line < 4) {
      if (c == dataByte(line)) line++;
      else line = 7;
    } else if (line == 4) {
      line = c == 0x3a ? 5 : 7;
    } else if (line == 5) {
      line = 6;
      if (c != 0x20) usage = usageStep(usage, c);
    } else if (line == 6) {
      usage = usageStep(usage, c);
    }
  }
  set(state, S_LINE, line);
  set(state, S_AFTER_CR, afterCr);
  set(state, S_BOM, bom);
  set(state, S_USAGE, usage);
  set(state, S_HAS_DATA, hasData);
  set(out, O_STOP, i);
  set(out, O_BLOCK, block);
  set(out, O_COUNT, count);
  set(out, O_LENGTH, len);
  return count;
}
