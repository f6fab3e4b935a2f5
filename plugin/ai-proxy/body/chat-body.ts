/**
 * Validation and minimal rewriting of OpenAI-style request bodies. `parseRequestBody` checks, in this
 * order, UTF-8, nesting depth (`MAX_JSON_DEPTH`), JSON syntax, that the body is a JSON object and the
 * `model` member, and answers a problem (status, OpenAI error code, message) for the first check that
 * fails; a `model` that is absent, `null` or `""` counts as not given (as Higress reads it), so a `*`
 * mapping can fill it in. The engine's native scanner does all of it in one pass and reports the spans
 * of `model`, `stream` and `stream_options`; text it declines (a top-level name with an escape) or
 * rejects (for the parser's exact reason) goes through `parseJson` and the JS scanner instead.
 * `parseHeldRequestBody` does the same on the body where Envoy holds it, so a body that arrives in one
 * piece never crosses into JS. `bodySplices` replaces the top-level `model` value and asks a streaming
 * request for usage (`stream_options.include_usage`) as byte splices, so every other byte (whitespace,
 * key order, number spelling, escapes) reaches the upstream unchanged; `rewriteBody` applies them to a
 * body read into JS (returning `parsed.bytes` itself when nothing changes), `BodyBuffer.splice` to one
 * Envoy holds. A `model` absent from the body is added as its first member; an
 * `include_usage` the client set (even to false) and a `stream_options` that is not an object are left
 * alone.
 */
import { scanObjectAt, scanTopLevel, type MemberSpan, type ScanResult } from './json-scan.ts';
import { ownBuffer, utf8 } from '../../sdk/codec.ts';
import { MAX_JSON_DEPTH, depthMessage, parseJson } from '../../sdk/json.ts';
import { JsonMembers, type JsonScanResult } from '../../sdk/json-members.ts';
import { bodyBytes, type BodySplice } from '../../sdk/buffers.ts';

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
/**
 * `bytes`: the body, when it was read into JS; absent when it stays where Envoy holds it. A body the
 * engine scanned answers a record the next parse overwrites: use it before parsing again.
 */
export interface ParsedBody { bytes?: Uint8Array; model?: string; stream: boolean; top: TopLevel }
export type BodyProblem = { status: number; code: string; message: string };
export interface BodyEdits { model?: string; includeUsage?: boolean }

type Splice = BodySplice;

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



/** The model string of a scanned body: found by the engine, or read and decoded (it holds escapes). */
function modelString(bytes: Uint8Array | undefined): string {
  return (TOP.found ?? (bytes ? TOP.stringValue(bytes, MODEL) : TOP.heldString('request body', MODEL))) ?? '';
}

/**
 * What a native scan answers, kept by the module and overwritten by the next one (as `JsonMembers` keeps
 * its spans): a request's parse is used before the next is made, and a new object per member and per
 * parse costs QuickJS a definition per field.
 */
const SCANNED_SPANS: MemberSpan[] = [MODEL, STREAM, STREAM_OPTIONS].map(() => ({ keyStart: -1, valueStart: -1, valueEnd: -1 }));
const SCANNED_TOP: TopLevel = { objectStart: -1, lastValueEnd: -1, memberCount: 0, model: undefined, stream: undefined, streamOptions: undefined };
const SCANNED: ParsedBody = { bytes: undefined, model: undefined, stream: false, top: SCANNED_TOP };

/** The span of the `index`th name of the last native scan, in its kept record; undefined when absent. */
function scannedSpan(index: number): MemberSpan | undefined {
  const span = SCANNED_SPANS[index]!;
  return TOP.spanInto(index, span) ? span : undefined;
}

function fromNativeScan(bytes: Uint8Array | undefined): ParsedBody | BodyProblem {
  let model: string | undefined;
  const first = TOP.firstByte(MODEL);
  if (first === QUOTE) model = modelString(bytes) || undefined;
  else if (first !== -1 && first !== 0x6e) return problem('invalid_model', `'model' must be a string, got ${kindAt(first)}`);
  const top = SCANNED_TOP;
  top.objectStart = TOP.objectStart;
  top.lastValueEnd = TOP.lastValueEnd;
  top.memberCount = TOP.memberCount;
  top.model = scannedSpan(MODEL);
  top.stream = scannedSpan(STREAM);
  top.streamOptions = scannedSpan(STREAM_OPTIONS);
  SCANNED.bytes = bytes;
  SCANNED.model = model;
  SCANNED.stream = TOP.firstByte(STREAM) === 0x74;
  return SCANNED;
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

function fromScan(result: JsonScanResult, bytes: Uint8Array | undefined): ParsedBody | BodyProblem {
  switch (result) {
    case 'object':
      return fromNativeScan(bytes);
    case 'not-utf8':
      return INVALID_ENCODING;
    case 'too-deep':
      return TOO_DEEP;
    case 'not-object':
      return problem('invalid_body', `the request body must be a JSON object, got ${kindAt(TOP.valueFirstByte)}`);
    default:
      return fromJsParse(bodyBytes('request body', bytes));
  }
}

export function parseRequestBody(bytes: Uint8Array): ParsedBody | BodyProblem {
  return fromScan(TOP.scan(ownBuffer(bytes)), bytes);
}

/** The request body of the running callback, scanned where Envoy holds it (read into JS only for the JS fallback). */
export function parseHeldRequestBody(): ParsedBody | BodyProblem {
  return fromScan(TOP.scanBody('request body', MODEL), undefined);
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
  const { top } = parsed;
  const options = top.streamOptions;
  if (options === undefined) {
    const after = top.stream ? top.stream.valueEnd : top.lastValueEnd;
    return after < 0 ? { start: top.objectStart + 1, end: top.objectStart + 1, bytes: STREAM_OPTIONS_MEMBER } : { start: after, end: after, bytes: STREAM_OPTIONS_AFTER };
  }
  const value = bodyBytes('request body', parsed.bytes, options.valueStart, options.valueEnd);
  if (value[0] !== 0x7b) return undefined;
  const inner = scanned(scanObjectAt(value, 0));
  if (inner.members.has('include_usage')) return undefined;
  let after = -1;
  for (const member of inner.members.values()) after = Math.max(after, member.valueEnd);
  const at = options.valueStart;
  if (after < 0) return { start: at + inner.objectStart + 1, end: at + inner.objectStart + 1, bytes: INCLUDE_USAGE_MEMBER };
  return { start: at + after, end: at + after, bytes: INCLUDE_USAGE_AFTER };
}

function modelSplice(model: string, top: TopLevel): Splice {
  const literal = modelLiteral(model);
  if (top.model) return { start: top.model.valueStart, end: top.model.valueEnd, bytes: literal };
  const at = top.objectStart + 1;
  return { start: at, end: at, bytes: bytesOf(`"model":${jsonStringLiteral(model)}${top.memberCount > 0 ? ',' : ''}`) };
}

function applySplices(bytes: Uint8Array, splices: Splice[]): Uint8Array {
  let size = bytes.length;
  for (let k = 0; k < splices.length; k++) size += splices[k].bytes.length - (splices[k].end - splices[k].start);
  const out = new Uint8Array(size);
  let from = 0;
  let o = 0;
  for (let k = 0; k < splices.length; k++) {
    const splice = splices[k];
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
  return model === '' && at !== undefined && at.valueEnd - at.valueStart === 2;
}

/** The splices, in order, that make the edits; none when nothing changes. */
export function bodySplices(parsed: ParsedBody, edits: BodyEdits): Splice[] {
  const splices: Splice[] = [];
  if (edits.model !== undefined && !modelIs(parsed, edits.model)) splices.push(modelSplice(edits.model, parsed.top));
  const usage = edits.includeUsage === true && parsed.stream ? usageSplice(parsed) : undefined;
  if (usage) splices.push(usage);
  if (splices.length > 1 && splices[1].start < splices[0].start) splices.reverse();
  return splices;
}

/** The body with the edits made (the very `parsed.bytes` when nothing changes); for a body read into JS. */
export function rewriteBody(parsed: ParsedBody, edits: BodyEdits): Uint8Array {
  const bytes = parsed.bytes!;
  const splices = bodySplices(parsed, edits);
  return splices.length === 0 ? bytes : applySplices(bytes, splices);
}
