/**
 * rewriteBody against an independent reference: a generator writes random request bodies with random
 * formatting (CRLF, tabs, no spaces, escaped keys, odd number spellings, "model"/"stream" keys nested and
 * inside strings) and records where the edits must land; every result must equal the input with exactly
 * those splices and parse to the expected object. Also a 1 MB body end to end.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestBody, rewriteBody, type BodyEdits, type ParsedBody } from './chat-body.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);
function parse(bytes: Uint8Array): ParsedBody {
  const result = parseRequestBody(bytes);
  if ('code' in result) throw new Error(result.message);
  return result;
}
let seed = 11;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x80000000);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];

const WS = ['', '', ' ', '  ', '\t', '\r\n', '\n    ', '\r\n\t '];
const NUMBERS = ['0', '-0', '1.0', '1e2', '1E+2', '-0.5e-3', '12345678901234567890', '3.14159265358979323846'];
const STRINGS = ['""', '"model"', '"{\\"model\\":\\"gpt-4\\"}"', '"é😀\\u00e9\\ud83d\\ude00"', '"a\\\\b\\/c\\n"', '"}]{["', '"\\"stream\\": true"'];
const KEYS = ['"model"', '"stream"', '"stream_options"', '"include_usage"', '"content"', '"mod\\u0065l"', '"\\u00e9"'];
const ws = () => pick(WS);

function value(depth: number): string {
  const r = rand();
  if (depth > 2 || r < 0.45) return pick([...NUMBERS, ...STRINGS, 'true', 'false', 'null']);
  const n = Math.floor(rand() * 4);
  if (r < 0.7) return '[' + ws() + Array.from({ length: n }, () => value(depth + 1)).join(ws() + ',' + ws()) + ws() + ']';
  return '{' + ws() + Array.from({ length: n }, () => pick(KEYS) + ws() + ':' + ws() + value(depth + 1)).join(ws() + ',' + ws()) + ws() + '}';
}

type Options = { text: string; insertAt?: number; insert?: string };
const OPTIONS: Options[] = [
  { text: '{}', insertAt: 1, insert: '"include_usage":true' },
  { text: '{ \r\n}', insertAt: 1, insert: '"include_usage":true' },
  { text: '{"include_usage":false}' },
  { text: '{ "include_usage" : true }' },
  { text: '{"continuous_usage_stats":true}', insertAt: 30, insert: ',"include_usage":true' },
  { text: '{ "a" : [1, {"include_usage":false}] }', insertAt: 36, insert: ',"include_usage":true' },
  { text: 'null' },
  { text: '[]' },
];

interface Generated { text: string; model?: { start: number; end: number; name: string }; streamEnd?: number; options?: Options & { at: number } }

function generate(): Generated {
  const names = ['messages', 'temperature', 'seed', 'model', 'stream', 'stream_options', 'metadata', 'n'].filter(() => rand() < 0.7);
  names.sort(() => rand() - 0.5);
  const out: Generated = { text: ws() + '{' + ws() };
  names.forEach((name, k) => {
    if (k > 0) out.text += ws() + ',' + ws();
    out.text += (name === 'model' && rand() < 0.3 ? '"mod\\u0065l"' : `"${name}"`) + ws() + ':' + ws();
    const at = out.text.length;
    let v = value(0);
    if (name === 'model') {
      const modelName = pick(['gpt-4', 'qwen-max', 'é模型', 'a"b']);
      v = JSON.stringify(modelName);
      out.model = { start: at, end: at + v.length, name: modelName };
    } else if (name === 'stream') {
      v = pick(['true', 'true', 'false', '"true"', '1']);
      out.streamEnd = at + v.length;
    } else if (name === 'stream_options') {
      out.options = { ...pick(OPTIONS), at };
      v = out.options.text;
    }
    out.text += v;
  });
  out.text += ws() + '}' + ws();
  return out;
}

function expected(g: Generated, json: Record<string, unknown>, edits: BodyEdits) {
  const splices: Array<[number, number, string]> = [];
  const reference = structuredClone(json);
  if (edits.model !== undefined && edits.model !== g.model?.name) {
    reference.model = edits.model;
    if (g.model) splices.push([g.model.start, g.model.end, JSON.stringify(edits.model)]);
    else {
      const open = g.text.indexOf('{') + 1;
      splices.push([open, open, `"model":${JSON.stringify(edits.model)}${Object.keys(json).length ? ',' : ''}`]);
    }
  }
  if (edits.includeUsage && json.stream === true) {
    if (!g.options) {
      reference.stream_options = { include_usage: true };
      splices.push([g.streamEnd!, g.streamEnd!, ',"stream_options":{"include_usage":true}']);
    } else if (g.options.insert) {
      (reference.stream_options as Record<string, unknown>).include_usage = true;
      splices.push([g.options.at + g.options.insertAt!, g.options.at + g.options.insertAt!, g.options.insert]);
    }
  }
  splices.sort((a, b) => b[0] - a[0]);
  let text = g.text;
  for (const [start, end, insert] of splices) text = text.slice(0, start) + insert + text.slice(end);
  return { text, reference, changed: splices.length > 0 };
}

describe('rewriteBody against a generated reference', () => {
  it('splices exactly the expected bytes into 3 000 random bodies', () => {
    let changed = 0;
    for (let n = 0; n < 3_000; n++) {
      const g = generate();
      const parsed = parse(enc(g.text));
      const edits: BodyEdits = { model: pick([undefined, 'gpt-4', 'qwen-turbo', 'x\\"\n😀']), includeUsage: pick([undefined, true, true, false]) };
      const want = expected(g, JSON.parse(g.text), edits);
      const out = rewriteBody(parsed, edits);
      if (!want.changed) expect(out, g.text).toBe(parsed.bytes);
      else changed++;
      expect(dec(out), JSON.stringify({ input: g.text, edits })).toBe(want.text);
      expect(JSON.parse(dec(out))).toEqual(want.reference);
    }
    expect(changed).toBeGreaterThan(1_000);
  });
});

describe('a 1 MB body', () => {
  it('is validated and rewritten in one piece, touching only the top-level members', () => {
    const message = (k: number) => ({ role: k % 2 ? 'assistant' : 'user', content: `turn ${k}: {"model":"gpt-4","stream":true} é😀 ${'lorem ipsum '.repeat(70)}`, metadata: { model: 'gpt-4', n: 12345678901234567890 } });
    const messages = Array.from({ length: 1100 }, (_, k) => message(k));
    const input = `{"messages":${JSON.stringify(messages, null, 1).replaceAll('\n', '\r\n')},\r\n"temperature":1.0,"model":"gpt-4","stream":true}`;
    const bytes = enc(input);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    const parsed = parseRequestBody(bytes) as ParsedBody;
    expect(parsed.model).toBe('gpt-4');
    expect(rewriteBody(parsed, { model: 'gpt-4' })).toBe(bytes);
    const out = rewriteBody(parsed, { model: 'qwen-max', includeUsage: true });
    const tail = '"model":"qwen-max","stream":true,"stream_options":{"include_usage":true}}';
    expect(dec(out)).toBe(input.slice(0, input.lastIndexOf('"model"')) + tail);
    expect(JSON.parse(dec(out))).toEqual({ messages, temperature: 1, model: 'qwen-max', stream: true, stream_options: { include_usage: true } });
  });
});
