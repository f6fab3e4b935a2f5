/**
 * parseJson and jsonDepth: the depth measured agrees with a character-by-character reference on random
 * JSON and on random text, text within the bound parses exactly as JSON.parse does, deeper text is refused
 * before the parser sees it, and syntax errors carry the parser's reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountingBytes } from '../test-support/counting-bytes.ts';
import { MAX_JSON_DEPTH, jsonDepth as depthOfBytes, parseJson } from './json.ts';

const jsonDepth = (text: string, stopAbove?: number) => depthOfBytes(new TextEncoder().encode(text), stopAbove);

function referenceDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return deepest;
}

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);
const SEED = 0x7e57;

describe('jsonDepth', () => {
  it.each([
    ['a scalar', '1', 0],
    ['an empty object', '{}', 1],
    ['brackets inside strings', '{"a":"[[[{{{"}', 1],
    ['an escaped quote before brackets', '["\\"[[["]', 1],
    ['an escaped backslash ending a string', '["\\\\",[[1]]]', 3],
    ['closers before openers', ']]]][[', 2],
    ['an unterminated string', '[["[[[[', 2],
    ['a trailing backslash', '["\\', 1],
  ])('measures %s', (_name, text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('agrees with a character-by-character reference on random JSON and random text', () => {
    const text = fc.oneof(
      fc.json({ depthSize: 'large' }),
      fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ',', ':') }),
      fc.string(),
    );
    fc.assert(fc.property(text, (t) => jsonDepth(t) === referenceDepth(t.toWellFormed())), { seed: SEED, numRuns: 3000 });
  });

  it('stops early once past the bound', () => {
    expect(jsonDepth(nested(1000), 10)).toBe(11);
  });
});

describe('parseJson', () => {
  it('parses what JSON.parse parses when within the bound', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        const result = parseJson(text);
        expect(result).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it.each([
    ['arrays', '[', ']'],
    ['objects', '{"a":', '}'],
  ])('accepts %s nested exactly to the bound and refuses one level more', (_name, open, close) => {
    const at = (depth: number) => (open === '[' ? nested(depth) : open.repeat(depth) + '1' + close.repeat(depth));
    expect(parseJson(at(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseJson(at(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, error: 'depth', message: `arrays and objects are nested deeper than ${MAX_JSON_DEPTH} levels, the limit` });
  });

  it('refuses unclosed brackets deeper than the bound instead of handing them to the parser', () => {
    expect(parseJson('['.repeat(100_000))).toMatchObject({ ok: false, error: 'depth' });
  });

  it('takes a bound per call', () => {
    expect(parseJson('[[1]]', 1)).toMatchObject({ ok: false, error: 'depth', message: 'arrays and objects are nested deeper than 1 levels, the limit' });
    expect(parseJson('[[1]]', 2)).toEqual({ ok: true, value: [[1]] });
  });

  it('answers a syntax error with the parser reason', () => {
    let reason = '';
    try {
      JSON.parse('{"a":}');
    } catch (error) {
      reason = (error as Error).message;
    }
    expect(parseJson('{"a":}')).toEqual({ ok: false, error: 'syntax', message: reason });
  });

  it('parses UTF-8 bytes as it parses text', () => {
    const text = '{"a":["é",{"b":"\\"]"}]}';
    expect(parseJson(new TextEncoder().encode(text))).toEqual({ ok: true, value: JSON.parse(text) });
    expect(parseJson(new TextEncoder().encode(nested(MAX_JSON_DEPTH + 1)))).toMatchObject({ ok: false, error: 'depth' });
  });

  it('accepts many brackets that do not nest deeply', () => {
    const wide = `[${Array.from({ length: 5000 }, () => '{"a":[1]}').join(',')}]`;
    expect(parseJson(wide)).toMatchObject({ ok: true });
  });
});

describe('depth scan cost', () => {
  it.each([
    ['escapes', `{"a":"${'a\\n'.repeat(100_000)}"}`],
    ['escaped quotes', `["${'\\"'.repeat(50_000)}"]`],
    ['short strings', `[${Array.from({ length: 50_000 }, () => '"ab"').join(',')}]`],
    ['small arrays', `[${Array.from({ length: 50_000 }, () => '[1,"]"]').join(',')}]`],
  ])('searches each byte of a document of %s at most twice', (_name, doc) => {
    const bytes = CountingBytes.ofText(doc);
    expect(depthOfBytes(bytes)).toBeLessThanOrEqual(2);
    expect(bytes.examined).toBeLessThanOrEqual(2 * bytes.length);
  });
});

