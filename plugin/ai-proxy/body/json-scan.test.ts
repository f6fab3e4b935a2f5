/**
 * The byte scanner: exact member spans under any formatting, nested values and strings that contain
 * braces, quotes and escapes, decoded keys, last-wins duplicates, errors with the byte offset, and a
 * differential check against JSON.parse on thousands of mutated documents (the scanner accepts exactly
 * the documents JSON.parse accepts as an object).
 */
import { describe, expect, it } from 'vitest';
import { CountingBytes } from '../../test-support/counting-bytes.ts';
import { scanObjectAt, scanTopLevel, type ObjectScan, type ScanResult } from './json-scan.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
function ok(result: ScanResult): ObjectScan {
  if ('error' in result) throw new Error(`unexpected scan error: ${result.error}`);
  return result;
}
const errorOf = (result: ScanResult) => ('error' in result ? result.error : undefined);
function texts(doc: string, scan = ok(scanTopLevel(enc(doc)))) {
  const b = enc(doc);
  return Object.fromEntries([...scan.members].map(([k, s]) => [k, [dec(b.subarray(s.keyStart, s.valueStart)), dec(b.subarray(s.valueStart, s.valueEnd))]]));
}

describe('scanTopLevel', () => {
  it('reports the key, value and brace spans exactly', () => {
    const doc = ' {"model" : "gpt-4",\r\n\t"n":1.0e+2 , "big":12345678901234567890,"x":null}\n';
    const scan = ok(scanTopLevel(enc(doc)));
    expect(scan.objectStart).toBe(1);
    expect(scan.objectEnd).toBe(doc.lastIndexOf('}'));
    expect(texts(doc)).toEqual({ model: ['"model" : ', '"gpt-4"'], n: ['"n":', '1.0e+2'], big: ['"big":', '12345678901234567890'], x: ['"x":', 'null'] });
  });

  it('skips nested values and strings holding braces, quotes and escapes', () => {
    const doc = '{"messages":[{"role":"user","content":"say \\"}\\" and \\\\ {[ \\u00e9 é 😀","model":"inner"}],"o":{"a":[[],{}],"b":{"model":1}},"model":"m","t":true,"f":false,"e":-0.5E-3}';
    expect(texts(doc)).toEqual({
      messages: ['"messages":', doc.slice(12, doc.indexOf('],"o"') + 1)],
      o: ['"o":', '{"a":[[],{}],"b":{"model":1}}'],
      model: ['"model":', '"m"'],
      t: ['"t":', 'true'],
      f: ['"f":', 'false'],
      e: ['"e":', '-0.5E-3'],
    });
  });

  it('decodes keys with escapes as JSON.parse does', () => {
    const doc = String.raw`{"mod\u0065l":1,"a\"b":2,"\\":3,"\ud83d\ude00":4,"tab\t/\/":5,"é":6}`;
    const keys = [...ok(scanTopLevel(enc(doc))).members.keys()];
    expect(keys).toEqual(['model', 'a"b', '\\', '😀', 'tab\t//', 'é']);
    expect(new Set(keys)).toEqual(new Set(Object.keys(JSON.parse(doc))));
  });

  it('keeps the last of duplicated keys and lists them', () => {
    const doc = '{"model":"a","stream":true,"model":"b","model":"c"}';
    const scan = ok(scanTopLevel(enc(doc)));
    expect(texts(doc, scan).model).toEqual(['"model":', '"c"']);
    expect([...scan.members.keys()]).toEqual(['stream', 'model']);
    expect(scan.duplicates).toEqual(['model', 'model']);
  });

  it('handles empty objects and deep nesting without recursion', () => {
    expect(ok(scanTopLevel(enc('{}'))).members.size).toBe(0);
    expect(ok(scanTopLevel(enc(' \r\n{ \t}\r\n'))).objectEnd).toBe(6);
    const deep = '{"d":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    expect(ok(scanTopLevel(enc(deep))).members.get('d')!.valueEnd).toBe(deep.length - 1);
  });

  it.each([
    ['', "expected '{' but found end of input at byte offset 0"],
    ['{"a":1,}', "expected a string key but found '}' at byte offset 7"],
    ['{"a" 1}', "expected ':' after the key but found '1' at byte offset 5"],
    ['{"a":1 "b":2}', "expected ',' or '}' but found '\"' at byte offset 7"],
    ['{"a":[1,2}', "expected ',' or ']' but found '}' at byte offset 9"],
    ['{"a":{"b":1]}', "expected ',' or '}' but found ']' at byte offset 11"],
    ['{"a":"abc', 'expected closing quote of the string opened at 5 but found end of input at byte offset 9'],
    ['{"a":01}', "expected ',' or '}' but found '1' at byte offset 6"],
    ['{"a":1.}', "expected a digit but found '}' at byte offset 7"],
    ['{"a":-}', "expected a digit but found '}' at byte offset 6"],
    ['{"a":1e}', "expected a digit but found '}' at byte offset 7"],
    ['{"a":tru}', "expected 'true' but found '}' at byte offset 8"],
    ['{"a":NaN}', "expected a JSON value but found 'N' at byte offset 5"],
    ['{"a":1} x', "expected end of input after the top-level object but found 'x' at byte offset 8"],
    ['{"a":1}}', "expected end of input after the top-level object but found '}' at byte offset 7"],
    ['{"a":[}', "expected a JSON value but found '}' at byte offset 6"],
    ['{"a":{]}', "expected a string key but found ']' at byte offset 6"],
    ['{"a":[', 'expected a JSON value but found end of input at byte offset 6'],
  ])('rejects %j', (doc, message) => {
    expect(() => JSON.parse(doc)).toThrow();
    expect(errorOf(scanTopLevel(enc(doc)))).toBe(message);
  });

  it('does not check the inside of strings (raw control characters, escapes): its input already passed JSON.parse', () => {
    expect(ok(scanTopLevel(enc('{"a":"x\ny","b":1}'))).members.get('b')).toEqual({ keyStart: 11, valueStart: 15, valueEnd: 16 });
    expect(ok(scanTopLevel(enc('{"a":"x\\q\\u12g4","b":1}'))).members.get('b')).toEqual({ keyStart: 17, valueStart: 21, valueEnd: 22 });
  });

  it('ends a string at the first quote after an even run of backslashes', () => {
    const doc = '{"a":"\\\\","b":"\\\\\\"x","c":1}';
    expect(JSON.parse(doc)).toEqual({ a: '\\', b: '\\"x', c: 1 });
    expect([...ok(scanTopLevel(enc(doc))).members.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('agrees with JSON.parse on 20 000 mutated documents (the inside of strings aside)', () => {
    const base = '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"a\\"b\\u00e9"}],"n":-1.5e3,"x":[true,false,null,{}]}';
    const alphabet = '{}[]",:\\ 0123456789.-+eEtrufalsn\tu';
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const mismatches: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      let doc = base;
      for (let m = 1 + Math.floor(next() * 3); m > 0; m--) {
        const at = Math.floor(next() * doc.length);
        const ch = alphabet[Math.floor(next() * alphabet.length)];
        const op = next();
        doc = op < 0.4 ? doc.slice(0, at) + doc.slice(at + 1) : op < 0.7 ? doc.slice(0, at) + ch + doc.slice(at) : doc.slice(0, at) + ch + doc.slice(at + 1);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(doc);
      } catch {
        parsed = undefined;
      }
      const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      const scan = scanTopLevel(enc(doc));
      const controlInString = !isObject && (doc.includes('\t') || doc.includes('\\'));
      if (isObject !== !('error' in scan) && !controlInString) mismatches.push(doc);
      else if (isObject) {
        const spans = (scan as ObjectScan).members;
        for (const [key, value] of Object.entries(parsed as object)) {
          const span = spans.get(key);
          if (!span || JSON.stringify(JSON.parse(doc.slice(span.valueStart, span.valueEnd))) !== JSON.stringify(value)) mismatches.push(doc);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('scanObjectAt', () => {
  it('scans a nested object in place, with absolute spans', () => {
    const doc = '{"stream":true,"stream_options": { "include_usage" : false ,"x":{"y":[1]} },"z":1}';
    const b = enc(doc);
    const outer = ok(scanTopLevel(b)).members.get('stream_options')!;
    const inner = ok(scanObjectAt(b, outer.valueStart));
    expect(inner.objectStart).toBe(outer.valueStart);
    expect(inner.objectEnd).toBe(outer.valueEnd - 1);
    expect(texts(doc, inner)).toEqual({ include_usage: ['"include_usage" : ', 'false'], x: ['"x":', '{"y":[1]}'] });
  });

  it('reports a value that is not an object, and ignores what follows the object', () => {
    expect(errorOf(scanTopLevel(enc(' [1]')))).toBe("expected '{' but found '[' at byte offset 1");
    expect(errorOf(scanObjectAt(enc('{"so":[1]}'), 6))).toBe("expected '{' but found '[' at byte offset 6");
    expect(ok(scanObjectAt(enc('{"so":{},"x":1}'), 6)).objectEnd).toBe(7);
  });
});

describe('scan cost', () => {
  const strings = (count: number, literal: string) => `{"model":"m","messages":[${Array.from({ length: count }, () => literal).join(',')}]}`;
  it.each([
    ['one string of 100 000 \\n escapes (61 ms at 10 000 before the fix)', `{"model":"m","content":"${'a\\n'.repeat(100_000)}"}`],
    ['one string of 50 000 escaped quotes', `{"model":"m","content":"${'\\"'.repeat(50_000)}"}`],
    ['50 000 short strings', strings(50_000, '"ab"')],
    ['strings ending in backslash runs', strings(20_000, '"x\\\\\\\\"')],
  ])('searches each byte of %s at most twice', (_name, doc) => {
    expect(JSON.parse(doc)).toBeTruthy();
    const bytes = CountingBytes.ofText(doc);
    expect('error' in scanTopLevel(bytes)).toBe(false);
    expect(bytes.examined).toBeLessThanOrEqual(2 * bytes.length);
  });
});

