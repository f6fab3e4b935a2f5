/**
 * The container run's HTTP path, checked without Docker: every row of the scenario table through
 * `runOverHttp` against the harness's own HTTP gateway (`npm start`'s) on the Higress build, with
 * `wasm.ai_log` taken from the finished stream by its `x-scenario-step` header and counters from the
 * host. So the code the e2e suite runs in containers — fetch, headers, bodies, the fake's requests per
 * step, counter differences — is exercised on every `npm test`; only the gateway differs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost } from '../harness/src/index.ts';
import { startGateway } from '../harness/src/serve/gateway.ts';
import { REDIS_SKIP } from '../harness/test/support/redis-server.ts';
import { useRedis } from '../harness/test/support/use-redis.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../plugin/ai-proxy/fake/github-models.ts';
import { plugin } from '../plugin/ai-proxy/test-support/ai-host.ts';
import { REDIS_CLUSTER, ROUTE, SCENARIOS, UPSTREAM_CLUSTER } from '../plugin/ai-proxy/test-support/scenarios.ts';
import { pluginSource } from '../plugin/test-support/build-plugin.ts';
import { STEP_HEADER } from './envoy-bootstrap.ts';
import { runOverHttp } from './http-scenario.ts';

let fake: FakeGitHubModels;
const redis = useRedis();
beforeAll(async () => {
  fake = await startFakeGitHubModels();
});
afterAll(async () => {
  await fake.close();
});

describe('the scenario table over HTTP through the harness gateway (Higress build)', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    if (scenario.needsRedis && !redis()) return console.warn(`scenario "${scenario.name}" ${REDIS_SKIP}`);
    const clusters: Record<string, string> = { [UPSTREAM_CLUSTER]: fake.url };
    if (redis()) clusters[REDIS_CLUSTER] = redis()!.url;
    const host = await createHost({ ...pluginSource(plugin, 'wasm'), pluginConfig: scenario.config, clock: 'real', properties: { route_name: ROUTE, cluster_name: UPSTREAM_CLUSTER }, clusters });
    const logs = new Map<string, Record<string, unknown> | undefined>();
    const gateway = await startGateway({
      host, upstream: fake.url,
      onStreamDone({ stream }) {
        const step = stream.request.headers?.find(([name]) => name === STEP_HEADER)?.[1];
        const raw = stream.filterState.get('wasm.ai_log');
        if (step) logs.set(step, raw === undefined ? undefined : (JSON.parse(Buffer.from(raw).toString('utf8')) as Record<string, unknown>));
      },
    });
    try {
      const target = {
        url: gateway.url,
        async aiLog(step: string) {
          for (let i = 0; i < 100 && !logs.has(step); i++) await new Promise((resolve) => setTimeout(resolve, 10));
          return logs.get(step);
        },
        counter: async (name: string) => {
          const value = host.metrics.find(name, 'counter')?.value;
          return value === undefined ? undefined : Number(value);
        },
        flushRedis: async () => void (await redis()!.command('FLUSHALL')),
      };
      expect(await runOverHttp(scenario, target, fake)).toEqual([]);
    } finally {
      await gateway.close();
      host.close();
    }
  });
});
