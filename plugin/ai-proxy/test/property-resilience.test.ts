/**
 * Property-based, on the built module and the bundle: the untrusted inputs of retries and failover.
 * Whatever another writer left in the shared token-health document (random JSON, wrong types, raw
 * bytes), requests are served and the next update leaves a well-formed document; whatever a 429 says in
 * `retry-after` / `x-ratelimit-reset-*`, a token is parked for a finite time of at most 24 h; whatever a
 * retry's answer is (any status, content type and bytes), the client gets one answer and the VM lives.
 * No token in any log, reply or metric.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Host, UpstreamHandler, UpstreamRequest, UpstreamResponse } from '../../../harness/src/index.ts';
import { MODES, aiHost, expectNoSecrets } from '../test-support/ai-host.ts';
import { nastyString, runs } from '../test-support/hostile.ts';

const A = 'ghp_property_resilience_a_0001';
const B = 'ghp_property_resilience_b_0002';
const CLUSTER = 'outbound|443||models.github.ai.dns';
const HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gateway.local', 'content-type': 'application/json' };
const BODY = '{"model":"openai/gpt-4.1","messages":[{"role":"user","content":"hi"}]}';
const OK: UpstreamResponse = { status: 200, headers: [['content-type', 'application/json']], chunks: [Buffer.from('{"id":"x","model":"openai/gpt-4.1","choices":[]}')], trailers: [] };

const tokenOf = (request: UpstreamRequest) => String(request.headers.find(([k]) => k === 'authorization')?.[1]).slice(7);
const healthKey = (host: Host) => host.sharedData.keys().find((k) => k.startsWith('ai-proxy/failover/') && !k.endsWith('/lease'))!;
const wallMs = (host: Host) => Number(host.clock.wallNs() / 1_000_000n);

function healthDoc(host: Host): { tokens: Array<Record<string, unknown>> } {
  return JSON.parse(Buffer.from(host.sharedData.get(healthKey(host))!.value).toString());
}

function expectWellFormed(host: Host) {
  const doc = healthDoc(host);
  expect(doc.tokens).toHaveLength(2);
  for (const t of doc.tokens) for (const field of ['f', 's', 'out', 'until']) expect(Number.isFinite(t[field]) && (t[field] as number) >= 0, field).toBe(true);
}

const junk = fc.oneof(
  fc.json({ depthSize: 'small' }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.array(fc.record({ f: fc.anything(), s: fc.anything(), out: fc.anything(), until: fc.anything() }, { requiredKeys: [] }), { maxLength: 3 }).map((tokens) => JSON.stringify({ tokens })),
  fc.array(fc.record({ f: fc.double(), s: fc.integer(), out: fc.double(), until: fc.double() }), { minLength: 2, maxLength: 2 }).map((tokens) => JSON.stringify({ tokens, cluster: 5 })),
);

const parkHeaders = fc.record(
  {
    'retry-after': fc.oneof(fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()), nastyString, fc.constantFrom('-5', '1e9', 'Infinity', ' 30 ')),
    'x-ratelimit-reset-requests': fc.oneof(fc.constantFrom('1s', '6m0s', '20ms', '1h2m3.5s', '999999999999h', 'ms', 's1'), nastyString),
    'x-ratelimit-reset-tokens': fc.oneof(fc.double().map(String), nastyString),
  },
  { requiredKeys: [] },
);

const answer = fc.record({
  status: fc.integer({ min: 200, max: 599 }),
  type: fc.constantFrom('application/json', 'text/event-stream', 'text/plain', 'application/octet-stream', ''),
  body: fc.oneof(fc.json().map((j) => Buffer.from(j)), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), nastyString.map((s) => Buffer.from(`data: ${s}\n\ndata: [DONE]\n\n`))),
});

const clean = (text: string) => text.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, ' ');

describe.each(MODES)('resilience inputs (%s)', (mode) => {
  it('serves through any health document another writer left, and rewrites it well-formed', async () => {
    let failA = false;
    const upstream: UpstreamHandler = (request) => (failA && tokenOf(request) === A ? { ...OK, status: 503 } : OK);
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [A, B], tokenStrategy: 'round-robin', failover: { enabled: true, failureThreshold: 1, cooldownDuration: 60000 } } });
    await fc.assert(
      fc.asyncProperty(junk, async (text) => {
        host.sharedData.set(healthKey(host), Buffer.from(text, 'latin1'), 0);
        failA = false;
        expect((await host.exchange({ headers: HEADERS, body: BODY }, { upstream })).status).toBe(200);
        failA = true;
        await host.exchange({ headers: HEADERS, body: BODY }, { upstream });
        await host.exchange({ headers: HEADERS, body: BODY }, { upstream });
        expectWellFormed(host);
        expect(host.workers.every((w) => w.failure === undefined)).toBe(true);
      }),
      runs(40),
    );
    expectNoSecrets(host, [], [A, B]);
  });

  it('parks a token for a finite time of at most 24 h whatever a 429 says', async () => {
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [A, B], tokenStrategy: 'round-robin', failover: { enabled: true, cooldownDuration: 60000 } } });
    await fc.assert(
      fc.asyncProperty(parkHeaders, async (headers) => {
        host.sharedData.set(healthKey(host), Buffer.from('{"tokens":[{"f":0,"s":0,"out":0,"until":0},{"f":0,"s":0,"out":0,"until":0}]}'), 0);
        const pairs = Object.entries(headers).map(([k, v]) => [k, clean(v)] as [string, string]);
        const upstream: UpstreamHandler = () => ({ status: 429, headers: [['content-type', 'application/json'], ...pairs], chunks: [Buffer.from('{}')], trailers: [] });
        await host.exchange({ headers: HEADERS, body: BODY }, { upstream });
        expectWellFormed(host);
        const until = Math.max(...healthDoc(host).tokens.map((t) => t.until as number));
        expect(until === 0 || until - wallMs(host) <= 24 * 3_600_000 + 1).toBe(true);
      }),
      runs(60),
    );
    expectNoSecrets(host, [], [A, B]);
  });

  it('answers the client once whatever a retry answers', async () => {
    let next: { status: number; type: string; body: Buffer } = { status: 200, type: 'application/json', body: Buffer.from('{}') };
    const retried: UpstreamHandler = () => ({ status: next.status, headers: next.type ? [['content-type', next.type]] : [], chunks: [next.body], trailers: [] });
    const upstream: UpstreamHandler = () => ({ status: 503, headers: [['content-type', 'application/json']], chunks: [Buffer.from('{"error":{}}')], trailers: [] });
    const host = await aiHost(mode, { provider: { type: 'github', apiTokens: [A, B], tokenStrategy: 'round-robin', retryOnFailure: { enabled: true } } }, { properties: { cluster_name: CLUSTER }, clusters: { [CLUSTER]: retried } });
    await fc.assert(
      fc.asyncProperty(answer, fc.boolean(), async (a, stream) => {
        next = a;
        const body = stream ? BODY.replace('"messages"', '"stream":true,"messages"') : BODY;
        const result = await host.exchange({ headers: HEADERS, body }, { upstream });
        expect(result.status).toBeGreaterThanOrEqual(200);
        expect(result.client.ended).toBe(true);
        if (a.status !== 410 && !((a.status === 503 || a.status === 504) && a.type === 'text/plain')) {
          expect(result.status).toBe(a.status);
          expect(Buffer.from(result.client.body).equals(a.body)).toBe(true);
        }
        expect(host.workers.every((w) => w.failure === undefined)).toBe(true);
      }),
      runs(60),
    );
    expectNoSecrets(host, [], [A, B]);
  });
});
