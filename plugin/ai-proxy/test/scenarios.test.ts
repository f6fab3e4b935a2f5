/**
 * The shared scenario table (test-support/scenarios.ts) in the harness, on the Higress build, the Envoy
 * build and the bundle, against the fake upstream (and a real `redis-server` where a row needs Redis):
 * each step's client answer, upstream requests and `wasm.ai_log` checked by the same code the
 * container run uses (test-support/scenario-check.ts), then the counters. Rows that need the Higress
 * build do not run on the Envoy build.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeResult, Host } from '../../../harness/src/index.ts';
import { REDIS_SKIP } from '../../../harness/test/support/redis-server.ts';
import { useRedis } from '../../../harness/test/support/use-redis.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';
import { MODES, aiHost, filterState, type PluginMode } from '../test-support/ai-host.ts';
import { checkCounters, checkStep, wireRequest, type Observed } from '../test-support/scenario-check.ts';
import { REDIS_CLUSTER, ROUTE, SCENARIOS, UPSTREAM_CLUSTER, fakeOptionsFor, type Scenario } from '../test-support/scenarios.ts';

let fake: FakeGitHubModels;
const redis = useRedis();
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(async () => {
  await fake.close();
});


function observed(result: ExchangeResult, before: number): Observed {
  return {
    status: result.client.status ?? 0,
    headers: Object.fromEntries((result.client.headers ?? []).map(([k, v]) => [k.toLowerCase(), v])),
    body: result.client.text,
    upstream: fake.requests.slice(before),
    aiLog: filterState(result, 'ai_log') as Record<string, unknown> | undefined,
  };
}

async function run(mode: PluginMode, scenario: Scenario): Promise<Host> {
  fake.setOptions(fakeOptionsFor(scenario));
  const clusters: Record<string, string> = { [UPSTREAM_CLUSTER]: fake.url };
  if (redis()) clusters[REDIS_CLUSTER] = redis()!.url;
  if (scenario.needsRedis) await redis()!.command('FLUSHALL');
  const host = await aiHost(mode, scenario.config, { properties: { route_name: ROUTE, cluster_name: UPSTREAM_CLUSTER }, clusters });
  for (const [i, step] of scenario.steps.entries()) {
    const wire = wireRequest(step.request);
    const before = fake.requests.length;
    const result = await host.exchange({ headers: { ':method': wire.method, ':path': wire.path, ':authority': 'gateway.local', ...wire.headers }, body: wire.body }, { upstream: fake.url });
    expect(checkStep(step.expect, observed(result, before)), `step ${i + 1}`).toEqual([]);
  }
  expect(checkCounters(scenario.counters ?? {}, (name) => {
    const value = host.metrics.find(name, 'counter')?.value;
    return value === undefined ? undefined : Number(value);
  })).toEqual([]);
  return host;
}

describe.each(MODES)('the scenario table in the harness (%s)', (mode) => {
  const rows = SCENARIOS.filter((s) => (s.worlds ?? ['harness']).includes('harness') && !(mode === 'envoy' && s.needsRedis));
  it.each(rows.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    if (scenario.needsRedis && !redis()) {
      console.warn(`scenario "${scenario.name}" ${REDIS_SKIP}`);
      return;
    }
    await run(mode, scenario);
  });
});
