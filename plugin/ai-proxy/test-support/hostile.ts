/**
 * Shared pieces of the property-based suites: random inputs a hostile client or upstream could send
 * (JSON of every shape, deep and wide, escape-heavy strings, invalid UTF-8, random chunk cuts, header
 * values and paths), the secrets that must never leak, and the invariants every stream must satisfy
 * whatever the input: the VM lives, a local reply is an OpenAI-style JSON error with a 4xx/5xx status,
 * and no secret appears in any log line, reply, header, filter state or metric.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Host, HttpStream } from '../../../harness/src/index.ts';

/** Fixed unless PROPERTY_SEED is set; fast-check prints the seed and the shrunk input of any failure. */
export const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);
export const runs = (count: number) => ({ seed: SEED, numRuns: Number(process.env.PROPERTY_RUNS ?? count) });

export const TOKEN = 'ghp_PropertySuiteToken0000000000000001';
export const CLIENT_SECRET = 'sk-client-own-secret-0000000000000002';
export const SECRETS = [TOKEN, CLIENT_SECRET];

const encoder = new TextEncoder();
export const bytesOf = (text: string) => encoder.encode(text);

/** Text full of what JSON escapes: quotes, backslashes, control characters, astral and lone surrogates. */
export const nastyString = fc.string({
  unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\r', '\t', '\u0000', '\u001f', '\u2028', '😀', '\ud800', 'é'), fc.string({ minLength: 1, maxLength: 1 })),
  maxLength: 40,
});

/** Nesting written out as text: `depth` brackets (closed or not) around a scalar. */
export const deepText = fc
  .record({ depth: fc.integer({ min: 1, max: 12000 }), open: fc.constantFrom('[', '{"a":'), closed: fc.boolean() })
  .map(({ depth, open, closed }) => open.repeat(depth) + '1' + (closed ? (open === '[' ? ']' : '}').repeat(depth) : ''));

const models = fc.oneof(fc.constantFrom('gpt-4.1', 'gpt-4o', 'openai/gpt-4.1', 'llama-3', '', 'x'.repeat(300)), nastyString);

/** An OpenAI-style chat body with random extra members (odd keys included), as a JS value. */
export const chatObject = fc
  .tuple(
    fc.record(
      {
        model: fc.oneof(models, fc.constant(null), fc.integer()),
        messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: fc.oneof(nastyString, fc.lorem()) }), { maxLength: 4 }),
        stream: fc.oneof(fc.boolean(), fc.constant('true')),
        stream_options: fc.oneof(fc.constant({}), fc.record({ include_usage: fc.boolean() }), fc.jsonValue({ maxDepth: 2 })),
        extra: fc.jsonValue({ maxDepth: 4 }),
      },
      { requiredKeys: ['messages'] },
    ),
    fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  )
  .map(([chat, odd]) => ({ ...odd, ...chat }));

/** A request body: mostly chat-shaped JSON in odd spellings, else random JSON, deep text, raw bytes. */
export const requestBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(chatObject, fc.constantFrom(undefined, 1, '\t', ' \r\n')).map(([value, space]) => bytesOf(JSON.stringify(value, null, space))) },
  { weight: 2, arbitrary: fc.json({ depthSize: 'large' }).map(bytesOf) },
  { weight: 1, arbitrary: deepText.map(bytesOf) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.tuple(chatObject, fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.nat()).map(([value, junk, at]) => splice(bytesOf(JSON.stringify(value)), junk, at)) },
);

function splice(bytes: Uint8Array, junk: Uint8Array, at: number): Uint8Array {
  const cut = at % (bytes.length + 1);
  const out = new Uint8Array(bytes.length + junk.length);
  out.set(bytes.subarray(0, cut));
  out.set(junk, cut);
  out.set(bytes.subarray(cut), cut + junk.length);
  return out;
}

/** Cut points (sorted, distinct) splitting `length` bytes into chunks. */
export const cuts = (length: number) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 6 }).map((c) => c.filter((x) => x < length).sort((a, b) => a - b));

export function chunked(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [0, ...at, bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 });

/** Client request headers with random extras, odd content types and the client's own credentials. */
export const requestHeaders = fc.record({
  path: fc.oneof(
    { weight: 6, arbitrary: fc.constant('/v1/chat/completions') },
    { weight: 2, arbitrary: fc.constantFrom('/v1/embeddings', '/v1/models', '/ai/v1/chat/completions', '/chat/completions/') },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/v1/chat/completions', '/x/embeddings'), headerText).map(([p, q]) => `${p}?${encodeURIComponent(q)}`) },
    { weight: 1, arbitrary: headerText.map((p) => `/${p}`) },
  ),
  method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT') }),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.option(fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/jsonl', '')) },
  ),
  extra: fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), headerText, { maxKeys: 3 }),
  credentials: fc.subarray(['authorization', 'api-key', 'x-api-key', 'proxy-authorization']),
});

export type RequestHeaders = typeof requestHeaders extends fc.Arbitrary<infer T> ? T : never;

export function headerPairs(h: RequestHeaders): Array<[string, string]> {
  const pairs: Array<[string, string]> = [[':method', h.method], [':path', h.path], [':authority', 'gateway.local']];
  if (typeof h.contentType === 'string') pairs.push(['content-type', h.contentType]);
  for (const [k, v] of Object.entries(h.extra)) pairs.push([k, v]);
  for (const name of h.credentials) pairs.push([name, name === 'authorization' ? `Bearer ${CLIENT_SECRET}` : CLIENT_SECRET]);
  return pairs;
}

const decoder = new TextDecoder();

/**
 * One host shared by the cases of a property (so each case also checks the VM still serves after the
 * previous ones), replaced by a fresh one after a case that failed its VM, so that shrinking reports the
 * input that failed it rather than whatever ran next on a dead VM.
 */
export function sharedHost(make: () => Promise<Host>): () => Promise<Host> {
  let host: Promise<Host> | undefined;
  return async () => {
    const current = await (host ??= make());
    if (current.workers.every((w) => w.failure === undefined)) return current;
    host = make();
    return host;
  };
}

/** Everything a stream exposed that could leak a secret: client reply and headers, upstream headers, filter state. */
export function exposed(stream: HttpStream): string[] {
  return [
    stream.client.text,
    ...(stream.client.headers ?? []).flat(),
    ...(stream.upstream.headers ?? []).filter(([k]) => k !== 'authorization').flat(),
    ...[...stream.filterState.values()].map((v) => decoder.decode(v)),
  ];
}

/** The invariants every stream keeps, whatever came in: checked after each property case on the log lines from `logsFrom` on. */
export function expectSafe(host: Host, stream: HttpStream, logsFrom = 0): void {
  expect(host.workers.map((w) => w.failure?.message)).toEqual(host.workers.map(() => undefined));
  const lines = host.logs.entries.slice(logsFrom);
  expect(lines.filter((e) => e.source === 'host' && e.level === 'error')).toEqual([]);
  const reply = stream.localReply;
  if (reply) {
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(600);
    expect(stream.client.header('content-type')).toBe('application/json');
    const body = JSON.parse(stream.client.text) as { error: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'type']);
    for (const field of ['code', 'message', 'type']) expect(typeof body.error[field]).toBe('string');
  }
  const seen = [...exposed(stream), ...lines.map((e) => e.message), ...host.metrics.all().map((m) => m.name)];
  for (const secret of SECRETS) for (const text of seen) expect(text.includes(secret), `secret in: ${text.slice(0, 120)}`).toBe(false);
  const upstreamAuth = stream.upstream.headers?.find(([k]) => k === 'authorization')?.[1];
  if (upstreamAuth !== undefined) expect(upstreamAuth).toBe(`Bearer ${TOKEN}`);
}
