/**
 * The checks both worlds run a scenario row with: a matching observation passes, and each kind of
 * difference is named (status, answer subset, SSE end, headers present or absent, upstream count,
 * path, token, model, include_usage, ai_log, counters), without printing the token.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../fake/github-models.ts';
import { checkCounters, checkStep, subsetMismatches, wireRequest, type Observed } from './scenario-check.ts';
import { SCENARIOS, TOKEN, type StepExpectation } from './scenarios.ts';

const upstream = (body: object, path = '/inference/chat/completions'): RecordedRequest => ({ method: 'POST', path, headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body), bytes: Buffer.from(JSON.stringify(body)) });
const seen = (extra: Partial<Observed> = {}): Observed => ({
  status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'x-cache': 'MISS' }, body: '{"model":"m","choices":[{"n":1}]}',
  upstream: [upstream({ model: 'openai/gpt-4.1', stream_options: { include_usage: true } })], aiLog: { api: 'chat', status: 200 }, ...extra,
});
const want: StepExpectation = {
  status: 200, json: { model: 'm', choices: [{ n: 1 }] }, headers: { 'content-type': 'application/json', 'x-cache': 'MISS', 'retry-after': null },
  upstream: { path: '/inference/chat/completions', authorization: `Bearer ${TOKEN}`, model: 'openai/gpt-4.1', includeUsage: true }, aiLog: { api: 'chat' },
};

describe('scenario checks', () => {
  it('passes a matching observation', () => {
    expect(checkStep(want, seen())).toEqual([]);
  });

  it('names each difference', () => {
    const problems = checkStep(want, seen({
      status: 500, body: '{"model":"x","choices":[]}', headers: { 'retry-after': '3' }, aiLog: { api: 'responses' },
      upstream: [upstream({ model: 'other' }, '/elsewhere'), upstream({ model: 'other' }, '/elsewhere')],
    }));
    expect(problems).toEqual([
      expect.stringMatching(/^status: expected 200, got 500/),
      'answer.model: expected "m", got "x"',
      'answer.choices.0: expected {"n":1}, got undefined',
      'header content-type: expected "application/json", got none',
      'header x-cache: expected "MISS", got none',
      'header retry-after: expected none, got "3"',
      'upstream: expected 1 request(s), got 2',
      'upstream path: expected /inference/chat/completions, got /elsewhere',
      'upstream model: expected openai/gpt-4.1, got other',
      'upstream stream_options.include_usage: expected true, got false',
      'ai_log.api: expected "chat", got "responses"',
    ]);
    expect(checkStep({ status: 200, sse: true, aiLog: {} }, seen({ body: 'data: {}\n\n', aiLog: undefined }))).toEqual([
      'answer: expected SSE ending in data: [DONE], got "data: {}\\n\\n"',
      'ai_log: expected one, none was written',
    ]);
    const wrongToken = checkStep({ status: 200, upstream: { authorization: 'Bearer other' } }, seen());
    expect(wrongToken).toEqual(['upstream authorization: expected the configured token, got another value']);
    expect(wrongToken.join()).not.toContain(TOKEN);
  });

  it('reads requests and counters, and matches subsets by position and member', () => {
    expect(wireRequest({ path: '/v1/models' })).toEqual({ method: 'GET', path: '/v1/models', headers: {}, body: undefined });
    expect(wireRequest({ path: '/x', body: { a: 1 } })).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(checkCounters({ a: 1, b: 2 }, (name) => (name === 'a' ? 1 : undefined))).toEqual(['counter b: expected 2, got none']);
    expect(subsetMismatches([1, { x: 2 }], [1, { x: 2, y: 3 }, 4], 'v')).toEqual([]);
    expect(subsetMismatches({ a: [] }, { a: {} }, 'v')).toEqual(['v.a: expected [], got {}']);
  });

  it('every row of the table names its worlds and steps sensibly', () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SCENARIOS) {
      expect(s.steps.length).toBeGreaterThan(0);
      if (s.needsRedis) expect(s.worlds).not.toContain('envoy');
    }
  });
});
