/**
 * `failover` (Higress's fields and defaults) with four worker VMs sharing token health through shared
 * data, on the virtual clock: a token is taken out after `failureThreshold` consecutive failures counted
 * across workers (CAS: an update racing another VM's is retried, not lost); `401` takes it out at once;
 * a `429`'s `retry-after` parks it until then; out tokens come back after `cooldownDuration`, or after
 * `successThreshold` health checks, which only the VM holding the lease sends; with every token out,
 * requests go with the one back soonest and one warning per minute says so. On both builds and the
 * bundle; no token in any log, reply or metric.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host, HostOptions, UpstreamHandler, UpstreamResponse } from '../../../harness/src/index.ts';
import { startFakeGitHubModels, type FakeGitHubModels, type TokenBehaviour } from '../fake/github-models.ts';
import { CHAT_HEADERS, MODES, aiHost, chatBody, expectNoSecrets, type PluginMode } from '../test-support/ai-host.ts';

const CLUSTER = 'outbound|443||models.github.ai.dns';
const BAD = 'ghp_failover_bad_token_0001';
const GOOD = 'ghp_failover_good_token_0002';
const REVOKED = 'ghp_failover_revoked_token_0003';
const LIMITED = 'ghp_failover_limited_token_0004';
const ALL = [BAD, GOOD, REVOKED, LIMITED];

let fake: FakeGitHubModels;
const behaviour = (extra: Record<string, TokenBehaviour> = {}) => ({ tokenBehaviour: { [BAD]: { status: 503 }, [LIMITED]: 'rate-limited' as const, ...extra } });
beforeEach(async () => {
  fake = await startFakeGitHubModels({ tokens: [BAD, GOOD, LIMITED], ...behaviour() });
});
afterEach(async () => {
  await fake.close();
});

function config(apiTokens: string[], failover: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { provider: { type: 'github', apiTokens, tokenStrategy: 'round-robin', cluster: CLUSTER, failover: { enabled: true, ...failover }, ...extra } };
}

const hosts: Host[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) {
    expectNoSecrets(host, [], ALL);
    for (const key of host.sharedData.keys()) for (const token of ALL) expect(Buffer.from(host.sharedData.get(key)!.value).toString().includes(token), key).toBe(false);
  }
});

async function failoverHost(mode: PluginMode, pluginConfig: object, options: Partial<HostOptions> = {}): Promise<Host> {
  const host = await aiHost(mode, pluginConfig, { workers: 4, properties: { cluster_name: CLUSTER }, clusters: { [CLUSTER]: fake.url }, ...options });
  hosts.push(host);
  return host;
}

async function on(host: Host, worker: number): Promise<ExchangeResult> {
  return host.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: fake.url, worker });
}

const used = () => fake.requests.filter((r) => r.path === '/inference/chat/completions').map((r) => String(r.headers.authorization).slice(7));
const healthDoc = (host: Host) => {
  const key = host.sharedData.keys().find((k) => k.startsWith('ai-proxy/failover/') && !k.endsWith('/lease'))!;
  return JSON.parse(Buffer.from(host.sharedData.get(key)!.value).toString()) as { tokens: Array<{ f: number; s: number; out: number; until: number }> };
};

describe.each(MODES)('failover (%s)', (mode) => {
  it('takes a token out after failureThreshold consecutive failures counted across four workers', async () => {
    const host = await failoverHost(mode, config([BAD, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }));
    const results = [];
    for (let w = 0; w < 4; w++) results.push(await on(host, w));
    expect(results.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(used()).toEqual([BAD, BAD, BAD, GOOD]);
    for (let w = 0; w < 4; w++) results.push(await on(host, w));
    expect(used().slice(4)).toEqual([GOOD, GOOD, GOOD, GOOD]);
    expect(healthDoc(host).tokens[0]).toMatchObject({ f: 3 });
    expect(healthDoc(host).tokens[0]!.out).toBeGreaterThan(0);
    expectNoSecrets(host, results, ALL);
  });

  it('does not lose a failure when another VM updates the health at the same moment (CAS retry)', async () => {
    const host = await failoverHost(mode, config([BAD, GOOD], { failureThreshold: 5, cooldownDuration: 600000 }));
    await on(host, 0);
    const shared = host.sharedData;
    const get = shared.get.bind(shared);
    let raced = false;
    shared.get = (key: string) => {
      const found = get(key);
      if (!raced && found && key.startsWith('ai-proxy/failover/') && !key.endsWith('/lease')) {
        raced = true;
        const doc = JSON.parse(Buffer.from(found.value).toString());
        doc.tokens[1].f = 7;
        shared.set(key, Buffer.from(JSON.stringify(doc)), found.cas);
      }
      return found;
    };
    await on(host, 2);
    shared.get = get;
    expect(raced).toBe(true);
    expect(healthDoc(host).tokens.map((t) => t.f)).toEqual([2, 7]);
  });

  it('takes a token that answers 401 out at once', async () => {
    const host = await failoverHost(mode, config([REVOKED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }));
    const results = [await on(host, 0), await on(host, 1), await on(host, 2)];
    expect(results.map((r) => r.status)).toEqual([401, 200, 200]);
    expect(used().slice(1)).toEqual([GOOD, GOOD]);
    expectNoSecrets(host, results, ALL);
  });

  it("parks a token for a 429's retry-after, then uses it again", async () => {
    const host = await failoverHost(mode, config([LIMITED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }));
    expect((await on(host, 0)).status).toBe(429);
    expect([(await on(host, 1)).status, (await on(host, 2)).status]).toEqual([200, 200]);
    expect(used()).toEqual([LIMITED, GOOD, GOOD]);
    host.advanceTime(30_001);
    await on(host, 3);
    expect(used()[3]).toBe(LIMITED);
  });

  it('parks a token until an HTTP-date retry-after, or an OpenAI x-ratelimit-reset duration, and takes a 403 out', async () => {
    const wallMs = (host: Host) => Number(host.clock.wallNs() / 1_000_000n);
    let answer: (token: string, host: Host) => UpstreamResponse = () => ({ status: 200, headers: [], chunks: [], trailers: [] });
    const json = (status: number, headers: Array<[string, string]> = []): UpstreamResponse => ({ status, headers: [['content-type', 'application/json'], ...headers], chunks: [Buffer.from('{"id":"x","choices":[]}')], trailers: [] });
    const tokens: string[] = [];
    let current: Host;
    const handler: UpstreamHandler = (request) => {
      const token = String(request.headers.find(([k]) => k === 'authorization')?.[1]).slice(7);
      tokens.push(token);
      return answer(token, current);
    };
    for (const [name, parked, ms] of [
      ['date', (h: Host): Array<[string, string]> => [['retry-after', new Date(wallMs(h) + 45_000).toUTCString()]], 45_000],
      ['reset', (): Array<[string, string]> => [['x-ratelimit-reset-requests', '1m30s'], ['x-ratelimit-reset-tokens', '20ms']], 90_000],
    ] as const) {
      tokens.length = 0;
      current = await failoverHost(mode, config([LIMITED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }), { workers: 1 });
      answer = (token, h) => (token === LIMITED ? json(429, parked(h)) : json(200));
      const send1 = () => current.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: handler });
      await send1();
      await send1();
      await send1();
      expect(tokens, name).toEqual([LIMITED, GOOD, GOOD]);
      current.advanceTime(ms - 2000);
      await send1();
      await send1();
      expect(tokens.slice(-2), name).toEqual([GOOD, GOOD]);
      current.advanceTime(2000);
      await send1();
      await send1();
      expect(tokens.slice(-2), name).toContain(LIMITED);
    }
    tokens.length = 0;
    current = await failoverHost(mode, config([LIMITED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }), { workers: 1 });
    answer = (token) => (token === LIMITED ? json(403) : json(200));
    for (let i = 0; i < 3; i++) await current.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: handler });
    expect(tokens).toEqual([LIMITED, GOOD, GOOD]);
  });

  it('serves through a health document it did not write (and rewrites it), and parks for at most 24 h', async () => {
    const host = await failoverHost(mode, config([LIMITED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }), { workers: 1 });
    const key = host.sharedData.keys().find((k) => k.startsWith('ai-proxy/failover/') && !k.endsWith('/lease'))!;
    for (const junk of ['{"tokens":[null,{}]}', '{"tokens":[{"f":"x","s":0,"out":0,"until":0},{"f":0,"s":0,"out":-1,"until":0}]}', 'not json', '[]']) {
      host.sharedData.set(key, Buffer.from(junk), 0);
      const result = await on(host, 0);
      expect([200, 429], junk).toContain(result.status);
    }
    let answer = (token: string): UpstreamResponse => ({ status: token === LIMITED ? 429 : 200, headers: token === LIMITED ? [['retry-after', '99999999999999999999']] : [], chunks: [], trailers: [] });
    const handler: UpstreamHandler = (request) => answer(String(request.headers.find(([k]) => k === 'authorization')?.[1]).slice(7));
    const fresh = await failoverHost(mode, config([LIMITED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }), { workers: 1 });
    await fresh.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: handler });
    const parked = healthDoc(fresh).tokens[0]!.until - Number(fresh.clock.wallNs() / 1_000_000n);
    expect(parked).toBeGreaterThan(0);
    expect(parked).toBeLessThanOrEqual(24 * 3_600_000 + 1);
    answer = () => ({ status: 200, headers: [], chunks: [], trailers: [] });
    fresh.advanceTime(24 * 3_600_000 + 1);
    await fresh.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: handler });
    await fresh.exchange({ headers: CHAT_HEADERS, body: JSON.stringify(chatBody()) }, { upstream: handler });
    expect(healthDoc(fresh).tokens[0]).toEqual({ f: 0, s: 0, out: 0, until: 0 });
  });

  it('brings an out token back when it answers 2xx (the only token, sent because it comes back soonest)', async () => {
    const host = await failoverHost(mode, config([BAD], { failureThreshold: 1, cooldownDuration: 600000 }), { workers: 1 });
    expect((await on(host, 0)).status).toBe(503);
    expect(healthDoc(host).tokens[0]!.out).toBeGreaterThan(0);
    fake.setOptions(behaviour({ [BAD]: { delayMs: 0 } }));
    expect((await on(host, 0)).status).toBe(200);
    expect(healthDoc(host).tokens[0]).toEqual({ f: 0, s: 0, out: 0, until: 0 });
  });

  it('learns from retry answers: a retry token answering 401 is taken out too', async () => {
    const host = await failoverHost(mode, config([LIMITED, REVOKED, GOOD], { failureThreshold: 3, cooldownDuration: 600000 }, { retryOnFailure: { enabled: true, maxRetries: 2 } }), { workers: 1 });
    expect((await on(host, 0)).status).toBe(200);
    expect(used()).toEqual([LIMITED, REVOKED, GOOD]);
    const doc = healthDoc(host).tokens;
    expect(doc[0]!.until).toBeGreaterThan(0);
    expect(doc[1]!.out).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await on(host, 0);
    expect(used().slice(3)).toEqual([GOOD, GOOD, GOOD]);
  });

  it('restores an out token after cooldownDuration without a probe', async () => {
    const host = await failoverHost(mode, config([BAD, GOOD], { failureThreshold: 1, cooldownDuration: 10000, healthCheckInterval: 1000 }));
    await on(host, 0);
    await on(host, 1);
    expect(used()).toEqual([BAD, GOOD]);
    fake.setOptions(behaviour({ [BAD]: { delayMs: 0 } }));
    host.advanceTime(11_000);
    await host.idle();
    expect(healthDoc(host).tokens[0]!.out).toBe(0);
    expect((await on(host, 2)).status).toBe(200);
    expect(used()[2]).toBe(BAD);
    expect(host.callouts).toHaveLength(0);
  });

  it('probes out tokens with healthCheckModel from one VM only, and restores after successThreshold', async () => {
    const host = await failoverHost(mode, config([BAD, GOOD], { failureThreshold: 1, successThreshold: 2, healthCheckInterval: 1000, healthCheckModel: 'openai/gpt-4.1-mini' }));
    await on(host, 0);
    fake.setOptions(behaviour({ [BAD]: { delayMs: 0 } }));
    host.advanceTime(1000);
    await host.idle();
    expect(host.callouts).toHaveLength(1);
    expect(JSON.parse(Buffer.from(host.callouts[0]!.body).toString())).toMatchObject({ model: 'openai/gpt-4.1-mini' });
    expect(host.callouts[0]!.cluster).toBe(CLUSTER);
    expect(healthDoc(host).tokens[0]).toMatchObject({ s: 1 });
    expect(healthDoc(host).tokens[0]!.out).toBeGreaterThan(0);
    host.advanceTime(1000);
    await host.idle();
    expect(host.callouts).toHaveLength(2);
    expect(healthDoc(host).tokens[0]!.out).toBe(0);
    host.advanceTime(1000);
    await host.idle();
    expect(host.callouts).toHaveLength(2);
    expectNoSecrets(host, [], ALL);
  });

  it('leaves probing to a VM holding a fresh lease, and takes over a stale one', async () => {
    const host = await failoverHost(mode, config([BAD, GOOD], { failureThreshold: 1, healthCheckInterval: 1000, healthCheckModel: 'openai/gpt-4.1-mini' }));
    await on(host, 0);
    const lease = host.sharedData.keys().find((k) => k.endsWith('/lease'));
    const key = lease ?? `${host.sharedData.keys().find((k) => k.startsWith('ai-proxy/failover/'))!}/lease`;
    const nowMs = () => Number(host.clock.wallNs() / 1_000_000n);
    host.sharedData.set(key, Buffer.from(`othervm ${nowMs()}`), 0);
    host.advanceTime(1000);
    await host.idle();
    expect(host.callouts).toHaveLength(0);
    host.sharedData.set(key, Buffer.from(`othervm ${nowMs() - 10_000}`), 0);
    host.advanceTime(1000);
    await host.idle();
    expect(host.callouts).toHaveLength(1);
  });

  it('sends requests with the token back soonest when every token is out, and warns once per minute', async () => {
    const host = await failoverHost(mode, config([BAD, LIMITED], { failureThreshold: 1, cooldownDuration: 600000 }), { workers: 1 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await on(host, 0));
    expect(results.every((r) => r.status === 503 || r.status === 429)).toBe(true);
    expect(used()).toHaveLength(5);
    expect(used().slice(2)).toEqual([LIMITED, LIMITED, LIMITED]);
    const warnings = host.logs.messages('warn').filter((m) => m.includes('every token of provider'));
    expect(warnings).toHaveLength(1);
    expectNoSecrets(host, results, ALL);
  });
});
