/**
 * The engine's native fast paths against their JS fallbacks, property-based, on the built `.wasm`
 * (QuickJS's JSON.parse as the oracle) and on the bundle under V8 (V8's): `JsonMembers` must agree with
 * `parseJson` on every input — valid JSON of any shape, odd spacing, repeated and escaped names,
 * mutated and truncated text, deep nesting, raw bytes — and report spans whose text parses to the
 * member's value; whole header maps set and read through the one-string ABI must come back as Envoy
 * keeps them (names lower-cased, pseudo-headers first, lone surrogates as U+FFFD, a NUL kept through
 * the bytes fallback), and `headerValue` must find in a flat list what Envoy's lookup finds. The
 * primitives that work where Envoy holds the data — `HeaderMap.rewrite`, `JsonMembers.scanBody` and
 * `BodyBuffer.splice` — must do what removing and adding headers one by one, scanning a copy and
 * splicing the bytes in JS do; the engine's SHA-256 must be node:crypto's.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createHost, type Host } from '../../harness/src/index.ts';
import { MODES, buildPlugin, pluginSource } from '../test-support/build-plugin.ts';
import { deepText, nastyString, runs } from '../ai-proxy/test-support/hostile.ts';

const ENTRY = fileURLToPath(new URL('./test-plugins/native/main.ts', import.meta.url));
const NAMES = ['model', 'stream', 'stream_options', 'usage'];
const encoder = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });
const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);

interface MemberReport { name: string; count: number; keyStart: number; valueStart: number; valueEnd: number; string: string | null; same: boolean }
interface JsonReport {
  result: string;
  offset: number;
  parse: 'object' | 'value' | 'syntax' | 'depth';
  keys: string[];
  object: { start: number; end: number; lastValueEnd: number; count: number } | null;
  members: MemberReport[];
}

const space = fc.constantFrom('', ' ', '\n', '\r\n\t', '  ');
const name = fc.oneof(fc.constantFrom(...NAMES, 'messages', 'Model', 'model ', ''), nastyString);
const member = fc.tuple(name, fc.jsonValue({ maxDepth: 3 }), space, fc.boolean()).map(([key, value, ws, escape]) => {
  const literal = escape && key.length > 0 ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(key).slice(2)}` : JSON.stringify(key);
  return `${ws}${literal}${ws}:${ws}${JSON.stringify(value, null, ws.includes('\n') ? 1 : undefined)}${ws}`;
});
const objectText = fc.tuple(fc.array(member, { maxLength: 8 }), space).map(([members, ws]) => `${ws}{${members.join(',')}}${ws}`);
/** Strings long enough for the scanners' eight-byte steps, with quotes, backslashes, control and non-ASCII characters anywhere. */
const longString = fc
  .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom('a', 'Z', ' ', '~', '0', '/') }, { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\u0001', '\u001f', '\u007f', 'é', '€', '😀') }), { minLength: 7, maxLength: 90 })
  .map((parts) => parts.join(''));
const longText = fc.tuple(longString, fc.boolean()).map(([text, raw]) => (raw ? `{"model":"${text}","n":1}` : JSON.stringify({ model: text, messages: [{ content: text }] })));
const mutate = (texts: fc.Arbitrary<string>) =>
  fc.tuple(texts, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat(), fc.nat()).map(([text, junk, at, cut]) => {
    const bytes = encoder.encode(text);
    const where = at % (bytes.length + 1);
    const out = new Uint8Array([...bytes.subarray(0, where), ...junk, ...bytes.subarray(where)]);
    return cut % 3 === 0 ? out.subarray(0, cut % (out.length + 1)) : out;
  });
const mutated = mutate(objectText);
const jsonInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: objectText.map((t) => encoder.encode(t)) },
  { weight: 2, arbitrary: fc.json({ depthSize: 'medium' }).map((t) => encoder.encode(t)) },
  { weight: 2, arbitrary: mutated },
  { weight: 2, arbitrary: longText.map((t) => encoder.encode(t)) },
  { weight: 2, arbitrary: mutate(longText) },
  { weight: 1, arbitrary: deepText.map((t) => encoder.encode(`{"model":"m","x":${t}}`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

const isUtf8 = (bytes: Uint8Array) => {
  try {
    return strict.decode(bytes), true;
  } catch {
    return false;
  }
};
const onlySpace = (bytes: Uint8Array, from: number, to: number) => bytes.subarray(from, to).every((b) => WS.has(b));

function checkJson(bytes: Uint8Array, r: JsonReport): void {
  expect(r.result === 'not-utf8').toBe(!isUtf8(bytes));
  if (r.result === 'not-utf8') return;
  const allowed: Record<JsonReport['parse'], string[]> = {
    object: ['object', 'declined'],
    value: ['not-object'],
    syntax: ['invalid', 'declined'],
    depth: ['too-deep', 'invalid', 'declined'],
  };
  expect(allowed[r.parse]).toContain(r.result);
  if (r.result === 'declined') expect(bytes.includes(0x5c)).toBe(true);
  if (r.result !== 'object') return;
  const o = r.object!;
  expect([bytes[o.start], bytes[o.end]]).toEqual([0x7b, 0x7d]);
  expect(onlySpace(bytes, 0, o.start) && onlySpace(bytes, o.end + 1, bytes.length)).toBe(true);
  expect(o.lastValueEnd === -1 ? onlySpace(bytes, o.start + 1, o.end) : onlySpace(bytes, o.lastValueEnd, o.end)).toBe(true);
  expect(o.count).toBeGreaterThanOrEqual(new Set(r.keys).size);
  for (const m of r.members) {
    expect(m.same, m.name).toBe(true);
    expect(m.count > 0).toBe(r.keys.includes(m.name));
    if (m.count > 0) expect(bytes[m.keyStart]).toBe(0x22);
  }
}

const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The map Envoy keeps after set_header_map_pairs: names lower-cased, each pseudo-header before the first regular one. */
function envoyMap(pairs: Array<[string, string]>): Array<[string, string]> {
  const list: Array<[string, string]> = [];
  for (const [k, v] of pairs) {
    const entry: [string, string] = [k.toLowerCase(), v.toWellFormed()];
    const firstRegular = list.findIndex(([key]) => !key.startsWith(':'));
    if (entry[0].startsWith(':') && firstRegular >= 0) list.splice(firstRegular, 0, entry);
    else list.push(entry);
  }
  return list;
}

const headerName = fc.oneof(fc.constantFrom(':path', ':method', ':authority', 'x-a', 'X-A', 'x-b', 'content-type', 'Accept'), fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,12}$/));
const headerValue = fc.oneof(fc.string({ maxLength: 20 }), nastyString, fc.constantFrom('', 'a\u0000b', '\ud800', 'é😀'));
const pairsArb = fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 });
const lookupArb = fc.array(headerName, { maxLength: 6 });

describe.each(MODES)('native fast paths against their JS fallbacks (%s)', (mode) => {
  let host: Host;
  beforeAll(async () => {
    const upstream = () => ({ status: 200, headers: [], chunks: [], trailers: [] });
    host = await createHost({ ...pluginSource(await buildPlugin(ENTRY), mode), canary: false, clusters: { upstream } });
  });

  const scan = async (bytes: Uint8Array, names = NAMES): Promise<JsonReport> => {
    const result = await host.exchange({ headers: { ':method': 'POST', ':path': '/', ':authority': 'svc', 'x-op': 'json', 'x-names': JSON.stringify(names) }, body: [bytes] });
    expect(result.status).toBe(200);
    return result.client.json() as JsonReport;
  };

  it('JsonMembers agrees with parseJson and its spans hold the members, on random input', async () => {
    await fc.assert(fc.asyncProperty(jsonInput, async (bytes) => checkJson(bytes, await scan(bytes))), runs(300));
  });

  it('reports the last of repeated names, declines escaped top-level names only, and refuses depth past the bound', async () => {
    const text = '{"model":1, "x":{"model":2}, "model" : "b"}';
    const repeated = await scan(encoder.encode(text));
    expect(repeated.members[0]).toMatchObject({ count: 2, keyStart: text.lastIndexOf('"model"'), valueStart: text.indexOf('"b"'), string: 'b', same: true });
    expect((await scan(encoder.encode('{"x":{"mod\\u0065l":1},"model":"m"}'))).result).toBe('object');
    expect(await scan(encoder.encode('{"mod\\u0065l":"m"}'))).toMatchObject({ result: 'declined', offset: 1, parse: 'object' });
    expect(await scan(encoder.encode(`{"a":${'['.repeat(128)}${']'.repeat(128)}}`))).toMatchObject({ result: 'too-deep', parse: 'depth' });
    expect(await scan(encoder.encode(`{"a":${'['.repeat(127)}${']'.repeat(127)}}`))).toMatchObject({ result: 'object', parse: 'object' });
    expect(await scan(encoder.encode('  [1] '))).toMatchObject({ result: 'not-object', offset: 2, parse: 'value' });
  });

  const setHeaders = async (pairs: Array<[string, string]>, lookups: string[] = []) => {
    const result = await host.exchange({ headers: { ':method': 'GET', ':path': '/', ':authority': 'svc', 'x-op': 'headers', 'x-pairs': asciiJson(pairs), 'x-lookups': asciiJson(lookups) } });
    expect(result.status).toBe(200);
    return result.client.json() as { refused: string | null; read: Array<[string, string]>; flat: string[]; values: Array<string | null> };
  };

  it('replaceAll, entries, flat and headerValue keep header maps as Envoy does, on random maps', async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, lookupArb, async (pairs, lookups) => {
        const report = await setHeaders(pairs, lookups);
        const map = envoyMap(pairs);
        expect(report.refused).toBeNull();
        expect(report.read).toEqual(map);
        expect(report.flat).toEqual(map.flat());
        expect(report.values).toEqual(lookups.map((name) => map.find(([k]) => k === name)?.[1] ?? null));
      }),
      runs(150),
    );
  });

  it('refuses more headers than Envoy accepts at once instead of letting it clear the map', async () => {
    const many = Array.from({ length: 1025 }, (_, i) => [`x-h${i}`, 'v'] as [string, string]);
    const report = await setHeaders(many.slice(0, 1025));
    expect(report.refused).toBe("RangeError: replace request headers: 1025 headers exceed what Envoy accepts at once (1024 entries, 1 MiB)");
    expect(report.read.length).toBeGreaterThan(0);
  });

  const rewriteArb = fc.record({
    initial: fc.array(fc.tuple(headerName.map((n) => n.toLowerCase()), fc.stringMatching(/^[ -~]{0,10}$/)), { maxLength: 8 }),
    remove: fc.array(headerName, { maxLength: 4 }),
    set: fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
    asText: fc.boolean(),
  });

  it('rewrite and rewriteText remove and add as remove and add would one by one, on random maps', async () => {
    await fc.assert(
      fc.asyncProperty(rewriteArb, async ({ initial, remove, set, asText }) => {
        const base: Array<[string, string]> = [[':method', 'GET'], [':path', '/'], [':authority', 'svc'], ['x-op', 'rewrite'], ['x-remove', asciiJson(remove)], ['x-set', asciiJson(set.flat())], ['x-as-text', asText ? '1' : '0']];
        const result = await host.exchange({ headers: envoyMap([...base, ...initial]) });
        const report = result.client.json() as { refused: string | null; before: Array<[string, string]>; read: Array<[string, string]> };
        const gone = new Set([...remove, ...set.map(([k]) => k)].map((k) => k.toLowerCase()));
        if (asText && set.some(([, v]) => v.includes('\0'))) {
          expect(report.refused).toMatch(/^RangeError: rewrite request headers: \d+ pairs expected/);
          expect(report.read).toEqual(report.before);
          return;
        }
        expect(report.refused).toBeNull();
        expect(report.read).toEqual(envoyMap([...report.before.filter(([k]) => !gone.has(k)), ...set]));
      }),
      runs(150),
    );
  });

  it('scanBody on the held body reports what scan reports on a copy, the plain string and the raw object asked for', async () => {
    const index = fc.integer({ min: -1, max: NAMES.length });
    await fc.assert(
      fc.asyncProperty(jsonInput, index, index, async (bytes, stringIndex, rawIndex) => {
        const headers = { ':method': 'POST', ':path': '/', ':authority': 'svc', 'x-op': 'held-json', 'x-names': JSON.stringify(NAMES), 'x-index': String(stringIndex), 'x-raw': String(rawIndex) };
        const result = await host.exchange({ headers, body: [bytes] });
        const { held, copied } = result.client.json() as { held: { result: string; found: string | null; raw: string | null; spans: unknown[][] }; copied: JsonReport };
        expect(held.result).toBe(copied.result);
        if (held.result !== 'object') {
          expect([held.found, held.raw]).toEqual([null, null]);
          return;
        }
        const spans = copied.members.map((m) => {
          const first = m.count > 0 ? bytes[m.valueStart] : -1;
          const escaped = first === 0x22 && bytes.subarray(m.valueStart, m.valueEnd).includes(0x5c);
          return [m.count, m.keyStart, m.valueStart, m.valueEnd, first, escaped];
        });
        expect(held.spans).toEqual(spans);
        const member = copied.members[stringIndex];
        expect(held.found).toBe(member !== undefined && spans[stringIndex][4] === 0x22 && !spans[stringIndex][5] ? member.string : null);
        const raw = copied.members[rawIndex];
        const structured = raw !== undefined && (spans[rawIndex][4] === 0x7b || spans[rawIndex][4] === 0x5b);
        expect(held.raw).toBe(structured ? strict.decode(bytes.subarray(raw.valueStart, raw.valueEnd)) : null);
      }),
      runs(200),
    );
  });

  const spliceArb = fc
    .tuple(fc.uint8Array({ maxLength: 80 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.oneof({ arbitrary: fc.string({ maxLength: 6 }), weight: 4 }, { arbitrary: nastyString, weight: 4 }, { arbitrary: fc.string({ minLength: 1500, maxLength: 5000 }), weight: 1 })), { maxLength: 5 }), fc.boolean())
    .map(([body, raw, ordered]) => {
      const points = raw.flatMap(([a, b]) => [a % (body.length + 2), b % (body.length + 2)]);
      if (ordered) points.sort((x, y) => x - y);
      return { body, splices: raw.map(([, , text], k) => [points[2 * k], points[2 * k + 1], text] as [number, number, string]) };
    });

  function spliced(body: Uint8Array, splices: Array<[number, number, string]>): Uint8Array | undefined {
    const parts: Uint8Array[] = [];
    let from = 0;
    for (const [start, end, text] of splices) {
      if (start < from || end < start || end > body.length) return undefined;
      parts.push(body.subarray(from, start), encoder.encode(text));
      from = end;
    }
    parts.push(body.subarray(from));
    return Buffer.concat(parts);
  }

  it('sha256Hex is the SHA-256 of the bytes, at every length around the block boundaries and on random input', async () => {
    const lengths = fc.oneof(fc.constantFrom(0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096), fc.nat(700));
    await fc.assert(
      fc.asyncProperty(lengths, fc.nat(), async (length, seed) => {
        const bytes = Uint8Array.from({ length }, (_, i) => (seed + i * 131) & 0xff);
        const result = await host.exchange({ headers: { ':method': 'POST', ':path': '/', ':authority': 'svc', 'x-op': 'sha256' }, body: [bytes] });
        const { hex, text } = result.client.json() as { hex: string; text: string };
        expect(hex).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(text).toBe(createHash('sha256').update(new TextDecoder().decode(bytes)).digest('hex'));
      }),
      runs(150),
    );
  });

  it('splice forwards the body the splices make (lists past the SDK\'s 4 KB scratch space too), and refuses splices out of order or past the end', async () => {
    await fc.assert(
      fc.asyncProperty(spliceArb, async ({ body, splices }) => {
        const headers = { ':method': 'POST', ':path': '/', ':authority': 'svc', 'x-op': 'splice', 'x-splices': asciiJson(splices) };
        const result = await host.exchange({ headers, body: [body] });
        const expected = spliced(body, splices);
        if (expected === undefined) {
          expect(result.upstream).toBeUndefined();
          expect(result.client.json()).toEqual({ refused: 'RangeError: splice request body: splices must be in order, disjoint and within the body' });
        } else {
          expect(Buffer.from(result.upstream!.body).equals(Buffer.from(expected))).toBe(true);
        }
      }),
      runs(200),
    );
  });
});
