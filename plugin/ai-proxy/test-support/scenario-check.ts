/**
 * What turns a scenario row into checks, the same in every world: the request as method, path, headers
 * and body text; and the mismatches between a step's expectation and what was observed (the client's
 * answer, the upstream requests during the step, the `wasm.ai_log` JSON), each named by where it is, so
 * a failing row says what differs. An empty list is a pass.
 */
import type { RecordedRequest } from '../fake/github-models.ts';
import type { ScenarioRequest, StepExpectation } from './scenarios.ts';

export interface Observed {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** The requests the fake upstream received during the step. */
  upstream: RecordedRequest[];
  aiLog?: Record<string, unknown>;
}

export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export function wireRequest(request: ScenarioRequest): WireRequest {
  const body = request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  return { method: request.method ?? (body === undefined ? 'GET' : 'POST'), path: request.path, headers: { ...request.headers }, body };
}

/** Where `have` differs from the subset `want` (objects by member, arrays by position, else equal). */
export function subsetMismatches(want: unknown, have: unknown, at: string): string[] {
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(want) !== Array.isArray(have)) return [`${at}: expected ${JSON.stringify(want)}, got ${JSON.stringify(have)}`];
    return Object.entries(want).flatMap(([key, value]) => subsetMismatches(value, (have as Record<string, unknown>)[key], `${at}.${key}`));
  }
  return Object.is(want, have) ? [] : [`${at}: expected ${JSON.stringify(want)}, got ${JSON.stringify(have)}`];
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return `(not JSON: ${text.slice(0, 80)})`;
  }
}

export function checkStep(expect: StepExpectation, seen: Observed): string[] {
  const problems: string[] = [];
  if (seen.status !== expect.status) problems.push(`status: expected ${expect.status}, got ${seen.status} (${seen.body.slice(0, 160)})`);
  if (expect.json) problems.push(...subsetMismatches(expect.json, parsed(seen.body), 'answer'));
  if (expect.sse && !/data: \[DONE\]\s*$/.test(seen.body)) problems.push(`answer: expected SSE ending in data: [DONE], got ${JSON.stringify(seen.body.slice(-80))}`);
  for (const [name, value] of Object.entries(expect.headers ?? {})) {
    const got = seen.headers[name];
    const ok = value === null ? got === undefined : got !== undefined && (name === 'content-type' ? got.split(';')[0]!.trim() === value : got === value);
    if (!ok) problems.push(`header ${name}: expected ${value === null ? 'none' : JSON.stringify(value)}, got ${got === undefined ? 'none' : JSON.stringify(got)}`);
  }
  const count = expect.upstreamCount ?? (expect.upstream || expect.status < 400 ? 1 : seen.upstream.length);
  if (seen.upstream.length !== count) problems.push(`upstream: expected ${count} request(s), got ${seen.upstream.length}`);
  const last = seen.upstream.at(-1);
  if (expect.upstream && last) {
    const want = expect.upstream;
    const body = parsed(last.body) as Record<string, unknown> | string;
    if (want.path !== undefined && last.path !== want.path) problems.push(`upstream path: expected ${want.path}, got ${last.path}`);
    if (want.authorization !== undefined && last.headers.authorization !== want.authorization) problems.push(`upstream authorization: expected the configured token, got ${last.headers.authorization === undefined ? 'none' : 'another value'}`);
    if (want.model !== undefined && (typeof body !== 'object' || body.model !== want.model)) problems.push(`upstream model: expected ${want.model}, got ${typeof body === 'object' ? String(body.model) : body}`);
    if (want.includeUsage !== undefined) {
      const asked = typeof body === 'object' && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (asked !== want.includeUsage) problems.push(`upstream stream_options.include_usage: expected ${want.includeUsage}, got ${asked}`);
    }
  }
  if (expect.aiLog) problems.push(...(seen.aiLog ? subsetMismatches(expect.aiLog, seen.aiLog, 'ai_log') : ['ai_log: expected one, none was written']));
  return problems;
}

/** Counter mismatches; `read` answers a counter's value by the plugin's metric name, undefined when absent. */
export function checkCounters(want: Record<string, number>, read: (name: string) => number | undefined): string[] {
  return Object.entries(want).flatMap(([name, value]) => {
    const got = read(name);
    return got === value ? [] : [`counter ${name}: expected ${value}, got ${got ?? 'none'}`];
  });
}
