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
    expect(parseRequestBody(bytes)).toEqual({ status: 400, code: 'invalid_encoding', message: 'the request body is not valid UTF-8' });
  });

  it.each(['', ' ', '{', '{"model":"m",}', "{'model':'m'}", '{"a":01}', 'nul', '[1,]', '\ufeff{"model":"m"}', '{"a":1}{"b":2}'])(
    'answers invalid_json with the parser reason for %j',
    (text) => {
      expect(parseRequestBody(enc(text))).toEqual({ status: 400, code: 'invalid_json', message: `the request body is not valid JSON: ${parserReason(text)}` });
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
    expect(parseRequestBody(enc(text))).toEqual(expected);
  });

  it('leaves the model undefined when it is absent, null or empty, so a mapping can fill it in', () => {
    for (const text of ['{}', '{"messages":[{"model":"m"}],"Model":"m"}', '{"model":null}', '{"model":""}']) {
      expect(parsed(parseRequestBody(enc(text))).model).toBeUndefined();
    }
  });

  it.each([
    ['1', 'a number'],
    ['["gpt-4"]', 'an array'],
    ['{"name":"gpt-4"}', 'an object'],
    ['false', 'a boolean'],
  ])('answers invalid_model for "model": %s', (value, kind) => {
    expect(parseRequestBody(enc(`{"model":${value}}`))).toEqual({ status: 400, code: 'invalid_model', message: `'model' must be a string, got ${kind}` });
  });

  it.each([
    ['arrays', '['.repeat(129) + ']'.repeat(129)],
    ['objects', '{"a":'.repeat(129) + '1' + '}'.repeat(129)],
    ['unclosed arrays (the shape that trapped the engine)', '['.repeat(7600)],
  ])('answers json_too_deep for %s nested past the limit', (_name, text) => {
    expect(parseRequestBody(enc(text))).toEqual({
      status: 400,
      code: 'json_too_deep',
      message: 'the request body is refused: its arrays and objects are nested deeper than 128 levels, the limit',
    });
  });

  it('accepts a body nested exactly to the limit', () => {
    expect(parsed(parseRequestBody(enc(`{"model":"m","x":${'['.repeat(127)}${']'.repeat(127)}}`))).model).toBe('m');
  });
});

describe('parseRequestBody results', () => {
  it('returns the same bytes, the model, the stream flag and where the members the rewrite needs are', () => {
    const text = '{\r\n  "model": "gpt-4o",\r\n  "stream": true,\r\n  "seed": 12345678901234567890, "t": 1.0\r\n}';
    const bytes = enc(text);
    const result = parsed(parseRequestBody(bytes));
    expect(result.bytes).toBe(bytes);
    const at = (needle: string) => text.indexOf(needle);
    expect(result).toEqual({
      bytes,
      model: 'gpt-4o',
      stream: true,
      top: {
        objectStart: 0,
        lastValueEnd: at('1.0') + 3,
        memberCount: 4,
        model: { keyStart: at('"model"'), valueStart: at('"gpt-4o"'), valueEnd: at('"gpt-4o"') + 8 },
        stream: { keyStart: at('"stream"'), valueStart: at('true'), valueEnd: at('true') + 4 },
        streamOptions: undefined,
      },
    });
  });

  it('finds the same spans when a top-level name holds an escape (the JS path)', () => {
    const text = '{"stre\\u0061m":true, "model":"m"}';
    const result = parsed(parseRequestBody(enc(text)));
    expect(result).toMatchObject({ model: 'm', stream: true, top: { objectStart: 0, lastValueEnd: text.length - 1, memberCount: 2 } });
    expect(result.top.stream).toEqual({ keyStart: 1, valueStart: text.indexOf('true'), valueEnd: text.indexOf('true') + 4 });
  });

  it('decodes escapes in the model name and uses the last of duplicated keys', () => {
    expect(parsed(parseRequestBody(enc('{"mod\\u0065l":"gpt-\\u00e9"}'))).model).toBe('gpt-é');
    expect(parsed(parseRequestBody(enc('{"model":1,"model":"b","stream":true,"stream":false}')))).toMatchObject({ model: 'b', stream: false });
  });

  it.each([['false'], ['"true"'], ['1'], ['null'], ['{}']])('treats "stream": %s as not streaming', (value) => {
    expect(parsed(parseRequestBody(enc(`{"model":"m","stream":${value}}`))).stream).toBe(false);
  });

  it('treats an absent stream as not streaming and a nested one as irrelevant', () => {
    expect(parsed(parseRequestBody(enc('{"model":"m","options":{"stream":true}}'))).stream).toBe(false);
  });
});
