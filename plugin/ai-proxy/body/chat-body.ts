/**
 * Validation and minimal rewriting of OpenAI-style request bodies. `parseRequestBody` checks, in this
 * order, UTF-8, nesting depth (`MAX_JSON_DEPTH`), JSON syntax, that the body is a JSON object and the
 * `model` member, and answers a problem (status, OpenAI error code, message) for the first check that
 * fails; a `model` that is absent, `null` or `""` counts as not given (as Higress reads it), so a `*`
 * mapping can fill it in. The engine's native scanner does all of it in one pass and reports the spans
 * of `model`, `stream` and `stream_options`; text it declines (a top-level name with an escape) or
 * rejects (for the parser's exact reason) goes through `parseJson` and the JS scanner instead.
 * `rewriteBody` replaces the top-level `model` value and asks a streaming request for usage
 * (`stream_options.include_usage`) by splicing byte ranges, so every other byte (whitespace, key order,
 * number spelling, escapes) reaches the upstream unchanged; with nothing to change it returns
 * `parsed.bytes` itself. A `model` absent from the body is added as its first member; an
 * `include_usage` the client set (even to false) and a `stream_options` that is not an object are left
 * alone.
 */
import { scanObjectAt, scanTopLevel, type MemberSpan, type ScanResult } from './json-scan.ts';
import { utf8 } from '../../sdk/codec.ts';
import { MAX_JSON_DEPTH, depthMessage, parseJson } from '../../sdk/json.ts';
import { JsonMembers } from '../../sdk/json-members.ts';

/** Where the top-level object and the members the rewrite needs are. */
export interface TopLevel {
  objectStart: number;
  /** End of the last member's value, −1 for `{}`. */
  lastValueEnd: number;
  memberCount: number;
  model?: MemberSpan;
  stream?: MemberSpan;
  streamOptions?: MemberSpan;
}
export interface ParsedBody { bytes: Uint8Array; model?: string; stream: boolean; top: TopLevel }
export type BodyProblem = { status: number; code: string; message: string };
export interface BodyEdits { model?: string; includeUsage?: boolean }

interface Splice { start: number; end: number; bytes: Uint8Array }

const TOP = new JsonMembers(['model', 'stream', 'stream_options']);
const MODEL = 0;
const STREAM = 1;
const STREAM_OPTIONS = 2;
const QUOTE = 0x22;

const problem = (code: string, message: string): BodyProblem => ({ status: 400, code, message });
const INVALID_ENCODING = problem('invalid_encoding', 'the request body is not valid UTF-8');
const TOO_DEEP = problem('json_too_deep', `the request body is refused: its ${depthMessage(MAX_JSON_DEPTH)}`);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The kind of the JSON value whose first byte is `c`, worded as `kindOf` words it. */
function kindAt(c: number): string {
  if (c === 0x7b) return 'an object';
  if (c === 0x5b) return 'an array';
  if (c === QUOTE) return 'a string';
  if (c === 0x74 || c === 0x66) return 'a boolean';
  if (c === 0x6e) return 'null';
  return 'a number';
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function asBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
}

function span(scan: JsonMembers, index: number): MemberSpan | undefined {
  return scan.count(index) === 0 ? undefined : { keyStart: scan.keyStart(index), valueStart: scan.valueStart(index), valueEnd: scan.valueEnd(index) };
}

const isTrue = (bytes: Uint8Array, at?: MemberSpan): boolean =>
  at !== undefined && at.valueEnd - at.valueStart === 4 && bytes[at.valueStart] === 0x74 && bytes[at.valueStart + 1] === 0x72;

function fromNativeScan(bytes: Uint8Array): ParsedBody | BodyProblem {
  const top: TopLevel = { objectStart: TOP.objectStart, lastValueEnd: TOP.lastValueEnd, memberCount: TOP.memberCount, model: span(TOP, MODEL), stream: span(TOP, STREAM), streamOptions: span(TOP, STREAM_OPTIONS) };
  let model: string | undefined;
  if (top.model) {
    const first = bytes[top.model.valueStart];
    if (first === QUOTE) model = TOP.stringValue(bytes, MODEL) || undefined;
    else if (first !== 0x6e) return problem('invalid_model', `'model' must be a string, got ${kindAt(first)}`);
  }
  return { bytes, model, stream: isTrue(bytes, top.stream), top };
}

function scanned(result: ScanResult) {
  if ('error' in result) throw new Error(`request body cannot be rewritten: ${result.error}`);
  return result;
}

function fromJsParse(bytes: Uint8Array): ParsedBody | BodyProblem {
  const result = parseJson(bytes);
  if (!result.ok) {
    if (result.error === 'depth') return TOO_DEEP;
    return problem('invalid_json', `the request body is not valid JSON: ${result.message}`);
  }
  const json = result.value;
  if (!isPlainObject(json)) return problem('invalid_body', `the request body must be a JSON object, got ${kindOf(json)}`);
  const model = json.model;
  if (model !== undefined && model !== null && typeof model !== 'string') {
    return problem('invalid_model', `'model' must be a string, got ${kindOf(model)}`);
  }
  const scan = scanned(scanTopLevel(bytes));
  let lastValueEnd = -1;
  for (const member of scan.members.values()) lastValueEnd = Math.max(lastValueEnd, member.valueEnd);
  const top: TopLevel = {
    objectStart: scan.objectStart,
    lastValueEnd,
    memberCount: scan.members.size,
    model: scan.members.get('model'),
    stream: scan.members.get('stream'),
    streamOptions: scan.members.get('stream_options'),
  };
  return { bytes, model: (model as string | null | undefined) || undefined, stream: json.stream === true, top };
}

export function parseRequestBody(bytes: Uint8Array): ParsedBody | BodyProblem {
  switch (TOP.scan(asBuffer(bytes))) {
    case 'object':
      return fromNativeScan(bytes);
    case 'not-utf8':
      return INVALID_ENCODING;
    case 'too-deep':
      return TOO_DEEP;
    case 'not-object':
      return problem('invalid_body', `the request body must be a JSON object, got ${kindAt(bytes[TOP.offset])}`);
    default:
      return fromJsParse(bytes);
  }
}

export function jsonStringLiteral(text: string): string {
  const parts: string[] = ['"'];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escaped: string | undefined;
    if (c === 0x22) escaped = '\\"';
    else if (c === 0x5c) escaped = '\\\\';
    else if (c < 0x20) escaped = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : c === 0x08 ? '\\b' : c === 0x0c ? '\\f' : `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) i++;
      else escaped = `\\u${c.toString(16)}`;
    }
    if (escaped === undefined) continue;
    parts.push(text.slice(from, i), escaped);
    from = i + 1;
  }
  parts.push(text.slice(from), '"');
  return parts.join('');
}

const bytesOf = (text: string) => new Uint8Array(utf8.encode(text));
const STREAM_OPTIONS_MEMBER = bytesOf('"stream_options":{"include_usage":true}');
const STREAM_OPTIONS_AFTER = bytesOf(',"stream_options":{"include_usage":true}');
const INCLUDE_USAGE_MEMBER = bytesOf('"include_usage":true');
const INCLUDE_USAGE_AFTER = bytesOf(',"include_usage":true');

/** Encoded JSON literals of the models bodies are rewritten to (few: the mapping's targets), kept up to a bound. */
const literals = new Map<string, Uint8Array>();
const MAX_LITERALS = 256;

function modelLiteral(model: string): Uint8Array {
  let bytes = literals.get(model);
  if (bytes) return bytes;
  bytes = bytesOf(jsonStringLiteral(model));
  if (literals.size < MAX_LITERALS) literals.set(model, bytes);
  return bytes;
}

function usageSplice(parsed: ParsedBody): Splice | undefined {
  const { top, bytes } = parsed;
  const options = top.streamOptions;
  if (options === undefined) {
    const after = top.stream ? top.stream.valueEnd : top.lastValueEnd;
    return after < 0 ? { start: top.objectStart + 1, end: top.objectStart + 1, bytes: STREAM_OPTIONS_MEMBER } : { start: after, end: after, bytes: STREAM_OPTIONS_AFTER };
  }
  if (bytes[options.valueStart] !== 0x7b) return undefined;
  const inner = scanned(scanObjectAt(bytes, options.valueStart));
  if (inner.members.has('include_usage')) return undefined;
  let after = -1;
  for (const member of inner.members.values()) after = Math.max(after, member.valueEnd);
  if (after < 0) return { start: inner.objectStart + 1, end: inner.objectStart + 1, bytes: INCLUDE_USAGE_MEMBER };
  return { start: after, end: after, bytes: INCLUDE_USAGE_AFTER };
}

function modelSplice(model: string, top: TopLevel): Splice {
  const literal = modelLiteral(model);
  if (top.model) return { start: top.model.valueStart, end: top.model.valueEnd, bytes: literal };
  const at = top.objectStart + 1;
  return { start: at, end: at, bytes: bytesOf(`"model":${jsonStringLiteral(model)}${top.memberCount > 0 ? ',' : ''}`) };
}

function applySplices(bytes: Uint8Array, splices: Splice[]): Uint8Array {
  if (splices.length > 1 && splices[1].start < splices[0].start) splices.reverse();
  let size = bytes.length;
  for (const splice of splices) size += splice.bytes.length - (splice.end - splice.start);
  const out = new Uint8Array(size);
  let from = 0;
  let o = 0;
  for (const splice of splices) {
    out.set(bytes.subarray(from, splice.start), o);
    o += splice.start - from;
    out.set(splice.bytes, o);
    o += splice.bytes.length;
    from = splice.end;
  }
  out.set(bytes.subarray(from), o);
  return out;
}

/** Whether the body's own `model` value is the string `model` (a null, "" or absent one is not). */
function modelIs(parsed: ParsedBody, model: string): boolean {
  if (parsed.model !== undefined) return parsed.model === model;
  const at = parsed.top.model;
  return model === '' && at !== undefined && parsed.bytes[at.valueStart] === QUOTE;
}

export function rewriteBody(parsed: ParsedBody, edits: BodyEdits): Uint8Array {
  const changeModel = edits.model !== undefined && !modelIs(parsed, edits.model);
  const wantUsage = edits.includeUsage === true && parsed.stream;
  if (!changeModel && !wantUsage) return parsed.bytes;
  const splices: Splice[] = [];
  if (changeModel) splices.push(modelSplice(edits.model as string, parsed.top));
  const usage = wantUsage ? usageSplice(parsed) : undefined;
  if (usage) splices.push(usage);
  return splices.length === 0 ? parsed.bytes : applySplices(parsed.bytes, splices);
}
