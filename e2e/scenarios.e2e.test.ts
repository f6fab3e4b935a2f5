/**
 * The shared scenario table (plugin/ai-proxy/test-support/scenarios.ts) in real gateways: Envoy 1.27,
 * a current Envoy and the Higress gateway image, each loading its target's module, with a Redis
 * container and the fake upstream on the host. Every step is checked by the code the harness run uses;
 * `wasm.ai_log` is read from Envoy's access log and counters from its admin `/stats`. Where no Docker
 * engine answers, every test here skips with one line saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../plugin/ai-proxy/fake/github-models.ts';
import { checkCounters, checkStep, wireRequest } from '../plugin/ai-proxy/test-support/scenario-check.ts';
import { SCENARIOS, fakeOptionsFor, type Scenario } from '../plugin/ai-proxy/test-support/scenarios.ts';
import { STEP_HEADER, aiLogOf, counterOf } from './envoy-bootstrap.ts';
import { WORLDS, startWorld, type StartedWorld } from './container-world.ts';
import { dockerUnavailableReason } from './docker.ts';

const reason = dockerUnavailableReason();
if (reason) console.warn(`e2e (containers) skipped: ${reason}`);

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  return out;
}

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

    async function stats(): Promise<{ stats?: Array<{ name?: string; value?: number }> }> {
      return (await fetch(`${world.adminUrl}/stats?format=json`)).json() as Promise<{ stats?: Array<{ name?: string; value?: number }> }>;
    }

    async function aiLog(step: string): Promise<Record<string, unknown> | undefined> {
      for (let i = 0; i < 240; i++) {
        const found = aiLogOf(world.output(), step);
        if (found !== null) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return undefined;
    }

    it.each(rows.map((s, i) => [s.name, s, i] as const))('%s', async (_name, scenario: Scenario, index: number) => {
      fake.setOptions(fakeOptionsFor(scenario));
      if (scenario.needsRedis) await world.flushRedis();
      const before = await stats();
      for (const [i, step] of scenario.steps.entries()) {
        const wire = wireRequest(step.request);
        const id = `${index}-${i}-${Date.now()}`;
        const sent = fake.requests.length;
        const response = await fetch(`${world.url(index)}${wire.path}`, { method: wire.method, headers: { ...wire.headers, [STEP_HEADER]: id }, body: wire.body });
        const body = await response.text();
        const seen = { status: response.status, headers: headersOf(response), body, upstream: fake.requests.slice(sent), aiLog: await aiLog(id) };
        expect(checkStep(step.expect, seen), `step ${i + 1}`).toEqual([]);
      }
      const after = await stats();
      expect(checkCounters(scenario.counters ?? {}, (name) => {
        const now = counterOf(after, name);
        return now === undefined ? undefined : now - (counterOf(before, name) ?? 0);
      })).toEqual([]);
    }, 60_000);
  });
}
