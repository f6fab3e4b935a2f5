/**
 * The shared scenario table (plugin/ai-proxy/test-support/scenarios.ts) in real gateways: Envoy 1.27,
 * a current Envoy and the Higress gateway image, each loading its target's module, with a Redis
 * container and the fake upstream on the host. Every row runs through `runOverHttp`, whose checks the
 * harness run shares; `wasm.ai_log` is read from Envoy's access log and counters from its admin
 * `/stats`. Where no Docker engine answers, every test here skips with one line saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../plugin/ai-proxy/fake/github-models.ts';
import { SCENARIOS, type Scenario } from '../plugin/ai-proxy/test-support/scenarios.ts';
import { aiLogOf, counterOf } from './envoy-bootstrap.ts';
import { WORLDS, startWorld, type StartedWorld } from './container-world.ts';
import { dockerUnavailableReason } from './docker.ts';
import { runOverHttp } from './http-scenario.ts';

const reason = dockerUnavailableReason();
if (reason) console.warn(`e2e (containers) skipped: ${reason}`);

for (const spec of WORLDS) {
  const rows = SCENARIOS.filter((s) => (s.worlds ?? [spec.kind]).includes(spec.kind));
  describe.skipIf(reason !== undefined)(`${spec.name} (${spec.image}, ${spec.module})${reason ? ` skipped: ${reason}` : ''}`, () => {
    let fake: FakeGitHubModels;
    let world: StartedWorld;
    beforeAll(async () => {
      fake = await startFakeGitHubModels({ host: '0.0.0.0' });
      const module = spec.module.split('/').at(-1)!;
      world = await startWorld(spec, rows.map((s, i) => ({ id: `scenario-${i}`, module, config: s.config })), { [module]: spec.module }, fake.port);
    }, 300_000);
    afterAll(async () => {
      await world?.stop();
      await fake?.close();
    }, 60_000);

    async function aiLog(step: string): Promise<Record<string, unknown> | undefined> {
      for (let i = 0; i < 240; i++) {
        const found = aiLogOf(world.output(), step);
        if (found !== null) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return undefined;
    }

    it.each(rows.map((s, i) => [s.name, s, i] as const))('%s', async (_name, scenario: Scenario, index: number) => {
      const target = {
        url: world.url(index),
        aiLog,
        counter: async (name: string) => counterOf((await (await fetch(`${world.adminUrl}/stats?format=json`)).json()) as { stats?: Array<{ name?: string; value?: number }> }, name),
        flushRedis: () => world.flushRedis(),
      };
      expect(await runOverHttp(scenario, target, fake)).toEqual([]);
    }, 60_000);
  });
}
