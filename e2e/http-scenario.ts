/**
 * A scenario row run over HTTP against a gateway listener (a container, or the harness's own HTTP
 * gateway): each step sent with `fetch` and a unique `x-scenario-step` header, the answer, the fake
 * upstream's requests during the step and the step's `wasm.ai_log` checked by the table's checks, then
 * the counters as differences (other rows may count under the same names). The problems found, each
 * labelled with its step; an empty list is a pass.
 */
import type { FakeGitHubModels } from '../plugin/ai-proxy/fake/github-models.ts';
import { checkCounters, checkStep, wireRequest } from '../plugin/ai-proxy/test-support/scenario-check.ts';
import { fakeOptionsFor, type Scenario } from '../plugin/ai-proxy/test-support/scenarios.ts';
import { STEP_HEADER } from './envoy-bootstrap.ts';

export interface HttpTarget {
  /** `http://host:port` of the listener running this row's configuration. */
  url: string;
  /** The `wasm.ai_log` of the request that carried `step`, once written (undefined when none was). */
  aiLog(step: string): Promise<Record<string, unknown> | undefined>;
  /** A counter's current value by the plugin's metric name. */
  counter(name: string): Promise<number | undefined>;
  flushRedis?(): Promise<void>;
}

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  return out;
}

let sequence = 0;

export async function runOverHttp(scenario: Scenario, target: HttpTarget, fake: FakeGitHubModels): Promise<string[]> {
  fake.setOptions(fakeOptionsFor(scenario));
  if (scenario.needsRedis) await target.flushRedis?.();
  const names = Object.keys(scenario.counters ?? {});
  const before = new Map<string, number>();
  for (const name of names) before.set(name, (await target.counter(name)) ?? 0);
  const problems: string[] = [];
  for (const [i, step] of scenario.steps.entries()) {
    const wire = wireRequest(step.request);
    const id = `${process.pid}-${++sequence}`;
    const sent = fake.requests.length;
    const response = await fetch(`${target.url}${wire.path}`, { method: wire.method, headers: { ...wire.headers, [STEP_HEADER]: id }, body: wire.body });
    const body = await response.text();
    const seen = { status: response.status, headers: headersOf(response), body, upstream: fake.requests.slice(sent), aiLog: await target.aiLog(id) };
    problems.push(...checkStep(step.expect, seen).map((p) => `step ${i + 1}: ${p}`));
  }
  const after = new Map<string, number | undefined>();
  for (const name of names) after.set(name, await target.counter(name));
  problems.push(...checkCounters(scenario.counters ?? {}, (name) => {
    const now = after.get(name);
    return now === undefined ? undefined : now - before.get(name)!;
  }));
  return problems;
}
