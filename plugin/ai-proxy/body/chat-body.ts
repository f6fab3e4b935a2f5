/**
 * Validation and minimal rewriting of OpenAI-style request bodies. `parseRequestBody` checks, in this
 * order, UTF-8, nesting depth (`MAX_JSON_DEPTH`), JSON syntax, that the body is a JSON object and the
 * `model` member, and answers a problem (status, OpenAI error code, message) for the first check that
 * fails; a `model` that is absent, `null` or `""` counts as not given (as Higress reads it), so a `*`
 * mapping can fill it in. `rewriteBody` replaces the top-level `model` value and asks a streaming
 * request for usage (`stream_options.include_usage`) by splicing byte ranges found by `scanTopLevel`, so
 * every other byte (whitespace, key order, number spelling, escapes) reaches the upstream unchanged; with
 * nothing to change it returns `parsed.bytes` itself. A `model` absent from the body is added as its
 * first member; an `include_usage` the client set (even to false) and a `stream_options` that is not an
 * object are left alone.
 */
import { scanObjectAt, scanTopLevel, type ObjectScan, type ScanResult } from './json-scan.ts';
import { utf8 } from '../../sdk/codec.ts';
import { parseJson } from '../../sdk/json.ts';

export interface ParsedBody { json: Record<string, unknown>; bytes: Uint8Array; model?: string; stream: boolean }
export type BodyProblem = { status: number; code: string; message: string };
export interface BodyEdits { model?: string; includeUsage?: boolean }

interface Splice { start: number; end: number; text: string }

const problem = (code: string, message: string): BodyProblem => ({ status: 400, code, message });

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseRequestBody(bytes: Uint8Array): ParsedBody | BodyProblem {
  if (!utf8.isValid(bytes)) return problem('invalid_encoding', 'the request body is not valid UTF-8');
  const result = parseJson(bytes);
  if (!result.ok) {
    if (result.error === 'depth') return problem('json_too_deep', `the request body is refused: its ${result.message}`);
    return problem('invalid_json', `the request body is not valid JSON: ${result.message}`);
  }
  const json = result.value;
  if (!isPlainObject(json)) return problem('invalid_body', `the request body must be a JSON object, got ${kindOf(json)}`);
  const model = json.model;
  if (model !== undefined && model !== null && typeof model !== 'string') {
    return problem('invalid_model', `'model' must be a string, got ${kindOf(model)}`);
  }
  return { json, bytes, model: (model as string | null | undefined) || undefined, stream: json.stream === true };
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

function scanned(result: ScanResult): ObjectScan {
  if ('error' in result) throw new Error(`request body cannot be rewritten: ${result.error}`);
  return result;
}

function lastValueEnd(scan: ObjectScan): number {
  let end = -1;
  for (const span of scan.members.values()) end = Math.max(end, span.valueEnd);
  return end;
}

function usageSplice(parsed: ParsedBody, top: ObjectScan): Splice | undefined {
  const options = parsed.json.stream_options;
  if (options === undefined) {
    const stream = top.members.get('stream');
    const after = stream ? stream.valueEnd : lastValueEnd(top);
    const text = '"stream_options":{"include_usage":true}';
    return after < 0 ? { start: top.objectStart + 1, end: top.objectStart + 1, text } : { start: after, end: after, text: ',' + text };
  }
  if (!isPlainObject(options) || Object.hasOwn(options, 'include_usage')) return undefined;
  const span = top.members.get('stream_options');
  if (!span) return undefined;
  const inner = scanned(scanObjectAt(parsed.bytes, span.valueStart));
  const after = lastValueEnd(inner);
  if (after < 0) return { start: inner.objectStart + 1, end: inner.objectStart + 1, text: '"include_usage":true' };
  return { start: after, end: after, text: ',"include_usage":true' };
}

function modelSplice(model: string, top: ObjectScan): Splice {
  const literal = jsonStringLiteral(model);
  const span = top.members.get('model');
  if (span) return { start: span.valueStart, end: span.valueEnd, text: literal };
  const at = top.objectStart + 1;
  return { start: at, end: at, text: `"model":${literal}${top.members.size > 0 ? ',' : ''}` };
}

function applySplices(bytes: Uint8Array, splices: Splice[]): Uint8Array {
  splices.sort((a, b) => a.start - b.start);
  const encoded = splices.map((s) => utf8.encode(s.text));
  let size = bytes.length;
  for (let k = 0; k < splices.length; k++) size += encoded[k].length - (splices[k].end - splices[k].start);
  const out = new Uint8Array(size);
  let from = 0;
  let o = 0;
  for (let k = 0; k < splices.length; k++) {
    out.set(bytes.subarray(from, splices[k].start), o);
    o += splices[k].start - from;
    out.set(encoded[k], o);
    o += encoded[k].length;
    from = splices[k].end;
  }
  out.set(bytes.subarray(from), o);
  return out;
}

export function rewriteBody(parsed: ParsedBody, edits: BodyEdits): Uint8Array {
  const changeModel = edits.model !== undefined && edits.model !== parsed.json.model;
  const wantUsage = edits.includeUsage === true && parsed.stream;
  if (!changeModel && !wantUsage) return parsed.bytes;
  const top = scanned(scanTopLevel(parsed.bytes));
  const splices: Splice[] = [];
  if (changeModel) splices.push(modelSplice(edits.model as string, top));
  const usage = wantUsage ? usageSplice(parsed, top) : undefined;
  if (usage) splices.push(usage);
  return splices.length === 0 ? parsed.bytes : applySplices(parsed.bytes, splices);
}
