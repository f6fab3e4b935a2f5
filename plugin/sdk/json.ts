/**
 * JSON from untrusted text without risking the VM: QuickJS parses recursively on the native Wasm stack,
 * and a few thousand unclosed `[` exhaust it, which traps the VM in Envoy. `parseJson` first measures
 * how deep the text nests — on its UTF-8 bytes, where the engine's searches are native, in time linear
 * in the length — and parses only text within `maxDepth`; deeper text gets a `depth` error naming the
 * limit, bad syntax the parser's reason.
 */
import { utf8 } from './codec.ts';

/** Arrays and objects nested deeper than this are refused unless a caller chooses another bound. */
export const MAX_JSON_DEPTH = 128;

/** What a `depth` error says. */
export const depthMessage = (maxDepth: number): string => `arrays and objects are nested deeper than ${maxDepth} levels, the limit`;

export type JsonResult =
  | { ok: true; value: unknown }
  | { ok: false; error: 'depth' | 'syntax'; message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** Whether the bytes hold at most `maxDepth` opening brackets in all: then they cannot nest deeper. */
function fewBrackets(bytes: Uint8Array, maxDepth: number): boolean {
  let count = 0;
  for (let at = bytes.indexOf(OPEN_ARRAY); at !== -1; at = bytes.indexOf(OPEN_ARRAY, at + 1)) if (++count > maxDepth) return false;
  for (let at = bytes.indexOf(OPEN_OBJECT); at !== -1; at = bytes.indexOf(OPEN_OBJECT, at + 1)) if (++count > maxDepth) return false;
  return true;
}

/** The index of the quote closing the string whose content starts at `from`, or −1. */
function closingQuote(bytes: Uint8Array, from: number): number {
  for (let at = bytes.indexOf(QUOTE, from); at !== -1; at = bytes.indexOf(QUOTE, at + 1)) {
    let run = at;
    while (run > from && bytes[run - 1] === BACKSLASH) run--;
    if ((at - run) % 2 === 0) return at;
  }
  return -1;
}

/**
 * The deepest nesting of arrays and objects in the UTF-8 bytes of a JSON text (brackets inside strings
 * do not count), stopping early once past `stopAbove`. Strings are skipped with native searches; the
 * bytes between them are read one by one. For text that is not JSON the answer is at least as deep as
 * any prefix a JSON parser would accept before failing.
 */
export function jsonDepth(bytes: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0, n = bytes.length; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      i = closingQuote(bytes, i + 1);
      if (i === -1) return deepest;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
  }
  return deepest;
}

/**
 * Parses JSON text that the engine's scanner already validated within its depth bound (`JsonMembers`'s
 * `raw` member text), without measuring its depth again.
 */
export function parseScanned(text: string): unknown {
  return JSON.parse(text);
}

/** Parses JSON text (a string, or its UTF-8 bytes) unless it nests deeper than `maxDepth`. */
export function parseJson(input: string | Uint8Array, maxDepth = MAX_JSON_DEPTH): JsonResult {
  const bytes = typeof input === 'string' ? utf8.encode(input) : input;
  if (!fewBrackets(bytes, maxDepth) && jsonDepth(bytes, maxDepth) > maxDepth) {
    return { ok: false, error: 'depth', message: depthMessage(maxDepth) };
  }
  try {
    return { ok: true, value: JSON.parse(typeof input === 'string' ? input : utf8.decode(input)) };
  } catch (error) {
    return { ok: false, error: 'syntax', message: error instanceof Error ? error.message : String(error) };
  }
}
