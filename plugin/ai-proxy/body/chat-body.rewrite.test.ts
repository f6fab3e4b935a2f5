/**
 * rewriteBody on hand-written bodies: each result must parse to the expected object AND equal the input
 * with exactly the expected splice at a position the test finds on its own, so any other byte that moved
 * fails the test; a body with nothing to change must come back as the very same Uint8Array.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestBody, rewriteBody, type BodyEdits, type ParsedBody } from './chat-body.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);
function parse(text: string): ParsedBody {
  const result = parseRequestBody(enc(text));
  if ('code' in result) throw new Error(result.message);
  return result;
}
const USAGE = '"stream_options":{"include_usage":true}';

function expectSplice(input: string, edits: BodyEdits, at: number, remove: string, insert: string, json: object) {
  expect(input.slice(at, at + remove.length)).toBe(remove);
  const out = rewriteBody(parse(input), edits);
  const expected = input.slice(0, at) + insert + input.slice(at + remove.length);
  expect(dec(out)).toBe(expected);
  expect(Buffer.from(out).equals(Buffer.from(expected))).toBe(true);
  expect(JSON.parse(dec(out))).toEqual(json);
}
function expectUnchanged(input: string, edits: BodyEdits) {
  const parsed = parse(input);
  expect(rewriteBody(parsed, edits)).toBe(parsed.bytes);
}

describe('rewriteBody: model', () => {
  it('replaces only the top-level model, not model strings in messages or nested objects', () => {
    const input = '{"messages":[{"role":"user","content":"use {\\"model\\":\\"gpt-4\\"}"}],"metadata":{"model":"gpt-4"},"model":"gpt-4","n":1}';
    const base = JSON.parse(input);
    expectSplice(input, { model: 'qwen-max' }, input.lastIndexOf('"gpt-4"'), '"gpt-4"', '"qwen-max"', { ...base, model: 'qwen-max' });
  });

  it('keeps pretty-printed CRLF formatting, big integers and number spellings', () => {
    const input = '{\r\n    "model" :  "gpt-4" ,\r\n    "temperature": 1.0,\r\n    "max_tokens": 1e2,\r\n    "seed": 12345678901234567890,\r\n    "x": -0.0\r\n}\r\n';
    expectSplice(input, { model: 'm2' }, input.indexOf('"gpt-4"'), '"gpt-4"', '"m2"', { ...JSON.parse(input), model: 'm2' });
  });

  it('finds a key written with escapes and replaces the last of duplicated keys', () => {
    const escaped = '{"mod\\u0065l":"gpt-4","stream":false}';
    expectSplice(escaped, { model: 'b' }, escaped.indexOf('"gpt-4"'), '"gpt-4"', '"b"', { model: 'b', stream: false });
    const dup = '{"model":"first","x":[],"model":"second"}';
    expectSplice(dup, { model: 'third' }, dup.indexOf('"second"'), '"second"', '"third"', { model: 'third', x: [] });
  });

  it('writes the new model as an escaped JSON string literal', () => {
    const input = '{"model":"m"}';
    const name = 'a"b\\c\n\t\u0001\u001f é😀 \ud800/';
    expectSplice(input, { model: name }, 9, '"m"', '"a\\"b\\\\c\\n\\t\\u0001\\u001f é😀 \\ud800/"', { model: name });
  });

  it('adds a model the body lacks as its first member', () => {
    expectSplice('{"messages":[]}', { model: 'x' }, 1, '', '"model":"x",', { model: 'x', messages: [] });
    expectSplice(' { \n} ', { model: 'x' }, 2, '', '"model":"x"', { model: 'x' });
  });

  it('returns the same bytes when there is nothing to change', () => {
    expectUnchanged('{"model":"gpt-4","stream":true}', {});
    expectUnchanged('{"model":"gpt-4"}', { model: 'gpt-4' });
    expectUnchanged('{"mod\\u0065l":"gpt\\u002d4"}', { model: 'gpt-4' });
    expectUnchanged('{"model":"gpt-4","stream":true}', { includeUsage: false });
  });
});

describe('rewriteBody: stream_options.include_usage', () => {
  it('adds stream_options right after a streaming stream member', () => {
    const last = '{"model":"m", "stream" : true \n}';
    expectSplice(last, { includeUsage: true }, last.indexOf('true') + 4, '', ',' + USAGE, { model: 'm', stream: true, stream_options: { include_usage: true } });
    const first = '{\r\n  "stream": true,\r\n  "messages": [{"role": "user", "content": "\\"stream_options\\": {}"}]\r\n}';
    expectSplice(first, { includeUsage: true }, first.indexOf('true') + 4, '', ',' + USAGE, { ...JSON.parse(first), stream_options: { include_usage: true } });
    const dup = '{"stream":false,"x":1,"stream":true}';
    expectSplice(dup, { includeUsage: true }, dup.length - 1, '', ',' + USAGE, { stream: true, x: 1, stream_options: { include_usage: true } });
  });

  it.each([
    ['{"model":"m","stream":false}'],
    ['{"model":"m"}'],
    ['{"model":"m","stream":"true"}'],
    ['{"model":"m","stream":1}'],
    ['{"model":"m","options":{"stream":true}}'],
  ])('adds nothing when not streaming: %s', (input) => {
    expectUnchanged(input, { includeUsage: true });
  });

  it.each([
    ['an explicit false', '{"stream":true,"stream_options":{"include_usage":false}}'],
    ['an explicit true', '{"stream":true,"stream_options":{ "include_usage" : true }}'],
    ['an escaped key', '{"stream":true,"stream_options":{"include\\u005fusage":false}}'],
    ['a null stream_options', '{"stream":true,"stream_options":null}'],
    ['an array stream_options', '{"stream":true,"stream_options":[]}'],
    ['a string stream_options', '{"stream":true,"stream_options":"include_usage"}'],
  ])('leaves %s alone', (_name, input) => {
    expectUnchanged(input, { includeUsage: true });
  });

  it('fills an existing empty stream_options', () => {
    for (const empty of ['{}', '{ }', '{\r\n}']) {
      const input = `{"stream":true,"stream_options":${empty},"n":1}`;
      expectSplice(input, { includeUsage: true }, input.indexOf('{', 1) + 1, '', '"include_usage":true', { stream: true, stream_options: { include_usage: true }, n: 1 });
    }
  });

  it('appends include_usage after the other stream_options fields', () => {
    const input = '{"stream":true,"stream_options": { "continuous_usage_stats": true, "x": {"include_usage": false} } }';
    const at = input.indexOf('false} }') + 6;
    const json = { stream: true, stream_options: { continuous_usage_stats: true, x: { include_usage: false }, include_usage: true } };
    expectSplice(input, { includeUsage: true }, at, '', ',"include_usage":true', json);
  });

  it('applies both edits, each as its own splice', () => {
    const input = '{ "stream" : true , "model" : "gpt-4" }';
    const out = dec(rewriteBody(parse(input), { model: 'qwen', includeUsage: true }));
    expect(out).toBe('{ "stream" : true,' + USAGE + ' , "model" : "qwen" }');
    expect(JSON.parse(out)).toEqual({ stream: true, model: 'qwen', stream_options: { include_usage: true } });
  });
});
