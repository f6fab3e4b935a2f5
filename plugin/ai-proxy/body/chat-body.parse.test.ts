/**
 * parseRequestBody: every BodyProblem with its exact status, code and message, the order in which the
 * checks apply (encoding, then JSON syntax, then shape, then model), and what a good body yields.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestBody, type BodyProblem, type ParsedBody } from './chat-body.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Array<string | number[]>) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc(p)] : p)));
const parserReason = (text: string) => {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${text} parses`);
};
function parsed(result: ParsedBody | BodyProblem): ParsedBody {
  if ('code' in result) throw new Error(`unexpected problem ${result.code}: ${result.message}`);
  return result;
}

describe('parseRequestBody problems', () => {
  it.each([
    ['a byte FF in a string', concat('{"model":"', [0xff], '"}')],
    ['an overlong slash', concat('{"model":"', [0xc0, 0xaf], '"}')],
    ['an encoded surrogate', concat('{"messages":["', [0xed, 0xa0, 0x80], '"]}')],
    ['a code point above U+10FFFF', concat('{"a":"', [0xf4, 0x90, 0x80, 0x80], '"}')],
    ['a sequence truncated by the end of the body', concat('{"a":1}', [0xe2, 0x82])],
    ['invalid UTF-8 that is also invalid JSON', concat('{"a":', [0xc3])],
  ])('answers invalid_encoding for %s', (_name, bytes) => {
    expect(parseRequestBody(bytes, true)).toEqual({ status: 400, code: 'invalid_encoding', message: 'the request body is not valid UTF-8' });
  });

  it.each(['', ' ', '{', '{"model":"m",}', "{'model':'m'}", '{"a":01}', 'nul', '[1,]', '\ufeff{"model":"m"}', '{"a":1}{"b":2}'])(
    'answers invalid_json with the parser reason for %j',
    (text) => {
      expect(parseRequestBody(enc(text), true)).toEqual({ status: 400, code: 'invalid_json', message: `the request body is not valid JSON: ${parserReason(text)}` });
    },
  );

  it.each([
    ['[]', 'an array'],
    ['[{"model":"m"}]', 'an array'],
    ['"model"', 'a string'],
    ['null', 'null'],
    ['42', 'a number'],
    [' true ', 'a boolean'],
  ])('answers invalid_body for %s', (text, kind) => {
    const expected = { status: 400, code: 'invalid_body', message: `the request body must be a JSON object, got ${kind}` };
    expect(parseRequestBody(enc(text), true)).toEqual(expected);
    expect(parseRequestBody(enc(text), false)).toEqual(expected);
  });

  it('answers missing_model only when a model is required', () => {
    const missing = { status: 400, code: 'missing_model', message: "you must provide a model parameter ('model')" };
    expect(parseRequestBody(enc('{}'), true)).toEqual(missing);
    expect(parseRequestBody(enc('{"messages":[{"model":"m"}],"Model":"m"}'), true)).toEqual(missing);
    expect(parsed(parseRequestBody(enc('{"messages":[]}'), false)).model).toBeUndefined();
  });

  it.each([
    ['""', 'an empty string'],
    ['1', 'a number'],
    ['null', 'null'],
    ['["gpt-4"]', 'an array'],
    ['{"name":"gpt-4"}', 'an object'],
    ['false', 'a boolean'],
  ])('answers invalid_model for "model": %s whether or not a model is required', (value, kind) => {
    const expected = { status: 400, code: 'invalid_model', message: `'model' must be a non-empty string, got ${kind}` };
    expect(parseRequestBody(enc(`{"model":${value}}`), true)).toEqual(expected);
    expect(parseRequestBody(enc(`{"model":${value}}`), false)).toEqual(expected);
  });
});

describe('parseRequestBody results', () => {
  it('returns the parsed object, the same bytes, the model and the stream flag', () => {
    const bytes = enc('{\r\n  "model": "gpt-4o",\r\n  "stream": true,\r\n  "seed": 12345678901234567890, "t": 1.0\r\n}');
    const result = parsed(parseRequestBody(bytes, true));
    expect(result.bytes).toBe(bytes);
    expect(result).toEqual({ json: { model: 'gpt-4o', stream: true, seed: 12345678901234567890, t: 1 }, bytes, model: 'gpt-4o', stream: true });
  });

  it('decodes escapes in the model name and uses the last of duplicated keys', () => {
    expect(parsed(parseRequestBody(enc('{"mod\\u0065l":"gpt-\\u00e9"}'), true)).model).toBe('gpt-é');
    expect(parsed(parseRequestBody(enc('{"model":1,"model":"b","stream":true,"stream":false}'), true))).toMatchObject({ model: 'b', stream: false });
  });

  it.each([['false'], ['"true"'], ['1'], ['null'], ['{}']])('treats "stream": %s as not streaming', (value) => {
    expect(parsed(parseRequestBody(enc(`{"model":"m","stream":${value}}`), true)).stream).toBe(false);
  });

  it('treats an absent stream as not streaming and a nested one as irrelevant', () => {
    expect(parsed(parseRequestBody(enc('{"model":"m","options":{"stream":true}}'), true)).stream).toBe(false);
  });
});
