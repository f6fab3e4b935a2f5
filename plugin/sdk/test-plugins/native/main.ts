/**
 * Test plugin for the engine's native fast paths, compared inside the engine with their JS fallbacks.
 * `x-op: json` scans the request body with `JsonMembers` (names from `x-names`, a JSON array) and
 * answers, as JSON, what the scanner reported and what `parseJson` made of the same bytes, so the test
 * can hold one against the other with the engine's own JSON.parse. `x-op: headers` replaces the request
 * headers with the pairs of `x-pairs` (a JSON array of [name, value]) through `replaceAll` and answers
 * what `entries()` and `flat()` read back and what `headerValue` finds for each name of `x-lookups`.
 * `x-op: rewrite` rewrites the request headers with `HeaderMap.rewrite` (names of `x-remove`, flat pairs
 * of `x-set`) and answers the map read back. `x-op: held-json` scans the held request body with
 * `JsonMembers.scanBody` (string member `x-index`, raw member `x-raw`) and answers that next to the report on the copied
 * bytes. `x-op: splice` splices the held request body with `[start, end, text]` of `x-splices` and lets
 * it go upstream. `x-op: sha256` answers `sha256Hex` of the body's bytes and of its text (decoded lossily).
 */
import { Action, HeaderNames, HttpContext, RootContext, bufferBody, decodeUtf8, encodeUtf8, headerValue, readBuffer, registerRootContext, sha256Hex, type HookResult } from '../../index.ts';
import { JsonMembers } from '../../json-members.ts';
import { parseJson } from '../../json.ts';

const scanners = new Map<string, JsonMembers>();

function scanner(names: string[]): JsonMembers {
  const key = names.join('\0');
  let found = scanners.get(key);
  if (!found) scanners.set(key, (found = new JsonMembers(names)));
  return found;
}

function jsonReport(body: ArrayBuffer, names: string[]): unknown {
  const bytes = new Uint8Array(body);
  const members = scanner(names);
  const result = members.scan(body);
  const parsed = parseJson(bytes);
  const value = parsed.ok ? parsed.value : undefined;
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  return {
    result,
    offset: members.offset,
    parse: parsed.ok ? (isObject ? 'object' : 'value') : parsed.error,
    keys: isObject ? Object.keys(value as object) : [],
    object: result === 'object' ? { start: members.objectStart, end: members.objectEnd, lastValueEnd: members.lastValueEnd, count: members.memberCount } : null,
    members: result === 'object'
      ? names.map((name, i) => ({
          name,
          count: members.count(i),
          keyStart: members.keyStart(i),
          valueStart: members.valueStart(i),
          valueEnd: members.valueEnd(i),
          string: members.stringValue(bytes, i) ?? null,
          same: members.count(i) === 0 ? !Object.hasOwn(value as object, name) : sameJson(bytes.subarray(members.valueStart(i), members.valueEnd(i)), (value as Record<string, unknown>)[name]),
        }))
      : [],
  };
}

function heldReport(names: string[], index: number, raw: number): unknown {
  const members = new JsonMembers(names);
  const result = members.scanBody('request body', index, raw);
  const spans = result === 'object' ? names.map((_, i) => [members.count(i), members.keyStart(i), members.valueStart(i), members.valueEnd(i), members.firstByte(i), members.escaped(i)]) : [];
  return { held: { result, found: members.found ?? null, raw: members.raw ?? null, spans }, copied: jsonReport(readBuffer('request body')!, names) };
}

function sameJson(span: Uint8Array, expected: unknown): boolean {
  const parsed = parseJson(span);
  return parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(expected);
}

function header<T>(value: string | undefined, fallback: T): T {
  const parsed = value === undefined ? undefined : parseJson(value);
  return parsed?.ok ? (parsed.value as T) : fallback;
}

class NativeRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new NativeProbe(id, this);
  }
}

class NativeProbe extends HttpContext {
  private op = '';
  private names: string[] = [];
  private index = -1;
  private raw = -1;
  private splices: Array<[number, number, string]> = [];

  override onRequestHeaders(): HookResult {
    const h = this.requestHeaders;
    this.op = h.get('x-op') ?? '';
    this.names = header(h.get('x-names'), ['model']);
    this.index = Number(h.get('x-index') ?? -1);
    this.raw = Number(h.get('x-raw') ?? -1);
    this.splices = header(h.get('x-splices'), []);
    if (this.op === 'rewrite') return this.rewrite();
    if (this.op !== 'headers') return Action.Continue;
    const pairs = header<Array<[string, string]>>(h.get('x-pairs'), []);
    const lookups = header<string[]>(h.get('x-lookups'), []);
    let refused: string | null = null;
    try {
      h.replaceAll(pairs);
    } catch (error) {
      refused = String(error);
    }
    const read = h.entries();
    const flat = h.flat();
    const values = lookups.map((name) => headerValue(flat, name) ?? null);
    return this.answer({ refused, read, flat, values });
  }

  private rewrite(): HookResult {
    const h = this.requestHeaders;
    const remove = header<string[]>(h.get('x-remove'), []);
    const set = header<string[]>(h.get('x-set'), []);
    const before = h.entries();
    let refused: string | null = null;
    const asText = h.get('x-as-text') === '1';
    try {
      if (asText) h.rewriteText(new HeaderNames(remove), set.map((part) => `${part}\0`).join(''), set.length >> 1);
      else h.rewrite(new HeaderNames(remove), set);
    } catch (error) {
      refused = String(error);
    }
    return this.answer({ refused, before, read: h.entries() });
  }

  override onRequestBody(size: number, end: boolean): HookResult {
    if (!end && (this.op === 'held-json' || this.op === 'splice')) return Action.Pause;
    if (this.op === 'held-json') return this.answer(heldReport(this.names, this.index, this.raw));
    if (this.op === 'splice') return this.splice();
    if (this.op === 'sha256') return bufferBody(this, 'request', size, end, (body) => this.answer({ hex: sha256Hex(body), text: sha256Hex(decodeUtf8(body)) }), { maxBytes: 1 << 24 });
    if (this.op !== 'json') return Action.Continue;
    return bufferBody(this, 'request', size, end, (body) => this.answer(jsonReport(body, this.names)), { maxBytes: 1 << 24 });
  }

  private splice(): HookResult {
    try {
      this.request.body.splice(this.splices.map(([start, end, text]) => ({ start, end, bytes: new Uint8Array(encodeUtf8(text)) })));
    } catch (error) {
      return this.answer({ refused: String(error) });
    }
    return Action.Continue;
  }

  private answer(report: unknown): HookResult {
    this.sendLocalResponse(200, JSON.stringify(report), [['content-type', 'application/json']]);
    return Action.Pause;
  }
}

registerRootContext(() => new NativeRoot());
