/**
 * The top-level members of a JSON object, found by the engine's native scanner (engine/native/json-scan.ts)
 * in one pass over the UTF-8 bytes, without parsing: the text is validated whole (RFC 8259 grammar,
 * well-formed UTF-8, nesting at most `maxDepth`), and for each name asked for, the byte spans of its last
 * occurrence (as JSON.parse keeps the last). A scanner is made once per set of names and reused; its
 * spans describe the last text scanned. `declined` means a top-level name holds an escape, so names
 * could not be compared: parse such text with `parseJson`; `invalid` text gets its reason from
 * `parseJson` too. `scanBody` scans a body where Envoy holds it, so it never crosses into JS.
 */
import * as host from './host-calls.ts';
import { BufferType, raise } from './abi.ts';
import { decodeUtf8, encodeUtf8 } from './codec.ts';
import { bodyBytes } from './buffers.ts';
import { MAX_JSON_DEPTH, parseJson } from './json.ts';

export type JsonScanResult = 'object' | 'invalid' | 'too-deep' | 'not-object' | 'declined' | 'not-utf8';

const RESULTS: readonly JsonScanResult[] = ['object', 'invalid', 'too-deep', 'not-object', 'declined', 'not-utf8'];
const MAX_NAMES = 8;
const AUX = 0;
const OBJECT_START = 1;
const OBJECT_END = 2;
const LAST_END = 3;
const MEMBERS = 5;
const FIRST = 6;
const KEYS = 8;
const KEY_WORDS = 5;
const ESCAPED = 0x100;
const BODY_TYPES = { 'request body': BufferType.RequestBody, 'response body': BufferType.ResponseBody } as const;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonMembers {
  private readonly keys: ArrayBuffer;
  private readonly out: ArrayBuffer;
  private readonly words: Int32Array;

  constructor(
    readonly names: readonly string[],
    readonly maxDepth = MAX_JSON_DEPTH,
  ) {
    if (names.length === 0 || names.length > MAX_NAMES) throw new RangeError(`JsonMembers takes 1 to ${MAX_NAMES} member names, got ${names.length}`);
    if (names.some((name) => name === '' || name.includes('\0'))) throw new RangeError('JsonMembers: member names must be non-empty and free of NUL');
    this.keys = encodeUtf8(names.join('\0'));
    this.out = new ArrayBuffer(257 + maxDepth);
    this.words = new Int32Array(this.out, 0, KEYS + MAX_NAMES * KEY_WORDS);
  }

  /** The string value `scanBody` found for its `stringIndex` member (undefined: none, or not a plain string). */
  found?: string;
  /** The JSON text of `scanBody`'s `rawIndex` member when it is an object or an array (valid, within the depth bound). */
  raw?: string;

  /** Scans `text`; after `object`, the accessors below describe its members. */
  scan(text: ArrayBuffer): JsonScanResult {
    this.found = undefined;
    this.raw = undefined;
    return this.result(host.jsonScan(text, this.keys, this.out, this.maxDepth));
  }

  /**
   * Scans the body Envoy holds in the running body callback without copying it into JS. When the body
   * is an object, the value of member `stringIndex` is in `found` if it is a string without escapes, and
   * the JSON text of member `rawIndex` in `raw` if it is an object or an array; other values are read
   * with `readBuffer` at the spans reported.
   */
  scanBody(body: 'request body' | 'response body', stringIndex = -1, rawIndex = -1): JsonScanResult {
    const answer = host.jsonScanBody(BODY_TYPES[body], this.keys, this.out, this.maxDepth, stringIndex, rawIndex);
    this.found = undefined;
    this.raw = undefined;
    if (typeof answer === 'string') {
      const nul = rawIndex < 0 ? -1 : answer.indexOf('\0');
      if (stringIndex >= 0 && this.plainString(stringIndex)) this.found = nul < 0 ? answer : answer.slice(0, nul);
      if (nul >= 0) this.raw = answer.slice(nul + 1);
      return 'object';
    }
    if (answer < -1) raise(`scan ${body}`, -answer - 2);
    return this.result(answer);
  }

  private result(code: number): JsonScanResult {
    const result = RESULTS[code];
    if (result === undefined) throw new RangeError(`the engine's JSON scanner refused its buffers (code ${code})`);
    return result;
  }

  /** Where the last occurrence of the `index`th name and its value are, in one call; undefined when absent. */
  span(index: number): { keyStart: number; valueStart: number; valueEnd: number } | undefined {
    const at = KEYS + index * KEY_WORDS;
    const words = this.words;
    return words[at] === 0 ? undefined : { keyStart: words[at + 1], valueStart: words[at + 2], valueEnd: words[at + 3] };
  }

  /** `span` for a caller that keeps one record per name: written in place, so no object is made; false (and `span` left alone) when absent. */
  spanInto(index: number, span: { keyStart: number; valueStart: number; valueEnd: number }): boolean {
    const at = KEYS + index * KEY_WORDS;
    const words = this.words;
    if (words[at] === 0) return false;
    span.keyStart = words[at + 1];
    span.valueStart = words[at + 2];
    span.valueEnd = words[at + 3];
    return true;
  }

  /** How often the `index`th name occurs at the top level. */
  count(index: number): number {
    return this.words[KEYS + index * KEY_WORDS];
  }

  /** Where the last occurrence of the `index`th name starts (its opening quote), −1 when absent. */
  keyStart(index: number): number {
    return this.words[KEYS + index * KEY_WORDS + 1];
  }

  /** Where its value starts, −1 when absent. */
  valueStart(index: number): number {
    return this.words[KEYS + index * KEY_WORDS + 2];
  }

  /** Where its value ends (exclusive), −1 when absent. */
  valueEnd(index: number): number {
    return this.words[KEYS + index * KEY_WORDS + 3];
  }

  /** The value of the `index`th name in `text` (the bytes last scanned) when it is a string, else undefined. */
  stringValue(text: Uint8Array, index: number): string | undefined {
    if (this.count(index) === 0) return undefined;
    const start = this.valueStart(index);
    const end = this.valueEnd(index);
    return text[start] === QUOTE ? stringLiteral(text.subarray(start, end)) : undefined;
  }

  /**
   * The same for the body `scanBody` scanned, where Envoy still holds it: only the value's bytes are
   * read (`found` already holds a plain string value asked for as `stringIndex`).
   */
  heldString(body: 'request body' | 'response body', index: number): string | undefined {
    if (this.firstByte(index) !== QUOTE) return undefined;
    return stringLiteral(bodyBytes(body, undefined, this.valueStart(index), this.valueEnd(index)));
  }

  /** The first byte of the `index`th member's value (its kind: `"`, `{`, `[`, `t`, `f`, `n` or a digit or `-`), −1 when absent. */
  firstByte(index: number): number {
    const kind = this.words[KEYS + index * KEY_WORDS + 4];
    return kind < 0 ? kind : kind & 0xff;
  }

  /** Whether the `index`th member's value is a string without escapes (one read of the kind word). */
  private plainString(index: number): boolean {
    return (this.words[KEYS + index * KEY_WORDS + 4] & (ESCAPED | 0xff)) === QUOTE;
  }

  /** Whether the `index`th member's value is a string holding an escape. */
  escaped(index: number): boolean {
    const kind = this.words[KEYS + index * KEY_WORDS + 4];
    return kind >= 0 && (kind & ESCAPED) !== 0;
  }

  /** The first byte of the scanned value (after `not-object`: what it is instead). */
  get valueFirstByte(): number {
    return this.words[FIRST];
  }

  /** The index of the object's `{`. */
  get objectStart(): number {
    return this.words[OBJECT_START];
  }

  /** The index of the object's `}`. */
  get objectEnd(): number {
    return this.words[OBJECT_END];
  }

  /** Where the value of the object's last member ends, −1 for `{}`. */
  get lastValueEnd(): number {
    return this.words[LAST_END];
  }

  /** How many members the object has, repeated names counted each time. */
  get memberCount(): number {
    return this.words[MEMBERS];
  }

  /** `not-object`: where the value starts; `invalid`, `too-deep`, `declined`: the byte offset concerned. */
  get offset(): number {
    return this.words[AUX];
  }
}

/** The string a JSON string literal the scanner validated stands for. */
function stringLiteral(literal: Uint8Array): string {
  const inner = literal.subarray(1, literal.length - 1);
  if (!inner.includes(BACKSLASH)) return decodeUtf8(inner.buffer as ArrayBuffer, inner.byteOffset, inner.byteLength);
  const parsed = parseJson(literal);
  if (!parsed.ok) throw new Error(`the engine's JSON scanner passed a string the parser refuses: ${parsed.message}`);
  return parsed.value as string;
}
