/**
 * Usage for access logs and metrics: the filter state `wasm.ai_log` (JSON: provider, requested, upstream
 * and answering model, token counts, streaming, status, whether the answer arrived complete, upstream
 * attempts) and, for
 * requests sent upstream with a model (named by the client or by the `*` mapping), counters per route
 * and model: `ai_proxy.route.<route>.model.<model>.{requests,input_token,output_token,total_token}`.
 * The four counters of a route and model are defined once and kept (a bounded number of pairs; past
 * it, they are looked up by name as the SDK does).
 */
import { Counter, getProperty, log, metric, setProperty } from '../sdk/index.ts';
import type { RequestState } from './request-state.ts';
import type { UsageTracker } from './response/usage.ts';
import { remainingLog } from './limits/admission.ts';

const ROUTE_NAME = ['route_name'];
const AI_LOG = ['ai_log'];
const MAX_KEPT = 1024;

interface Counters {
  requests: Counter;
  input: Counter;
  output: Counter;
  total: Counter;
}

const kept = new Map<string, Counters>();
const COMPLETE_ONCE = ',"complete":true,"attempts":1';

/** A metric-name segment: characters outside `[A-Za-z0-9_\-/]` become `_`; empty or absent is `unknown`. */
export function label(value: string | undefined): string {
  return (value || 'unknown').replace(/[^A-Za-z0-9_\-/]/g, '_');
}

/** The counters of the last route and model, which the next request most often shares. */
let last: { route: string | undefined; model: string | undefined; counters: Counters } | undefined;

function counters(route: string | undefined, model: string | undefined): Counters {
  if (last !== undefined && last.route === route && last.model === model) return last.counters;
  const found = lookup(route, model);
  last = { route, model, counters: found };
  return found;
}

function lookup(route: string | undefined, model: string | undefined): Counters {
  const key = `${route ?? ''}\0${model ?? ''}`;
  let found = kept.get(key);
  if (found) return found;
  const prefix = `ai_proxy.route.${label(route)}.model.${label(model)}`;
  found = {
    requests: metric(Counter, `${prefix}.requests`),
    input: metric(Counter, `${prefix}.input_token`),
    output: metric(Counter, `${prefix}.output_token`),
    total: metric(Counter, `${prefix}.total_token`),
  };
  if (kept.size < MAX_KEPT) kept.set(key, found);
  return found;
}

/** JSON literals of the names ai_log repeats (providers, APIs, models), kept up to a bound. */
const literals = new Map<string, string>();

function literal(value: string): string {
  let found = literals.get(value);
  if (found === undefined) {
    found = JSON.stringify(value);
    if (literals.size < MAX_KEPT) literals.set(value, found);
  }
  return found;
}

/** `"name":"value",` — or nothing for an absent value, as JSON.stringify leaves out undefined members. */
const member = (name: string, value: string | undefined): string => (value === undefined ? '' : `"${name}":${literal(value)},`);

/** The names part of ai_log (provider, API, models), which few requests differ in: built once per combination, kept up to a bound. */
const prefixes = new Map<string, string>();
const ABSENT = '\u0001';

/** The names part of the last request, which the next one most often shares. */
let lastNames: { provider: string; api?: string; requestModel?: string; upstreamModel?: string; model?: string; text: string } | undefined;

function namesPart(request: RequestState, model: string | undefined): string {
  const l = lastNames;
  if (l !== undefined && l.provider === request.provider.id && l.api === request.api && l.requestModel === request.requestModel && l.upstreamModel === request.upstreamModel && l.model === model) return l.text;
  const text = namesLookup(request, model);
  lastNames = { provider: request.provider.id, api: request.api, requestModel: request.requestModel, upstreamModel: request.upstreamModel, model, text };
  return text;
}

function namesLookup(request: RequestState, model: string | undefined): string {
  const key = `${request.provider.id}\0${request.api ?? ABSENT}\0${request.requestModel ?? ABSENT}\0${request.upstreamModel ?? ABSENT}\0${model ?? ABSENT}`;
  let found = prefixes.get(key);
  if (found === undefined) {
    found = `{${member('provider', request.provider.id)}${member('api', request.api)}${member('request_model', request.requestModel)}${member('upstream_model', request.upstreamModel)}${member('model', model)}`;
    if (prefixes.size < MAX_KEPT) prefixes.set(key, found);
  }
  return found;
}

/** `"stream":…,"status":…,"input_token":` for a streaming flag and status, which few requests differ in; kept up to a bound. */
const statusParts = new Map<number, string>();

function statusPart(streaming: boolean, status: number): string {
  const key = streaming ? -1 - status : status;
  let found = statusParts.get(key);
  if (found === undefined) {
    found = `"stream":${streaming},"status":${status},"input_token":`;
    if (statusParts.size < MAX_KEPT) statusParts.set(key, found);
  }
  return found;
}

/** `complete`: the answer's end of stream was seen (false when recorded at log time after a reset). */
export function recordUsage(request: RequestState, tracker: UsageTracker, complete: boolean): void {
  const usage = tracker.usage;
  const model = tracker.model ?? request.upstreamModel ?? request.requestModel;
  const input = usage ? usage.promptTokens : 0;
  const output = usage ? usage.completionTokens : 0;
  const total = usage ? usage.totalTokens : 0;
  setProperty(
    AI_LOG,
    `${namesPart(request, model)}${statusPart(request.streaming, request.status)}${input},"output_token":${output},"total_token":${total}${complete && request.attempts === 1 ? COMPLETE_ONCE : `,"complete":${complete},"attempts":${request.attempts}`}${request.limits ? remainingLog(request.limits) : ''}${request.cache ? `,"cache_status":"${request.cache.status}"` : ''}}`,
  );
  if (request.upstreamModel === undefined || request.attempts === 0) return;
  const found = counters(getProperty(ROUTE_NAME), model);
  found.requests.increment(1);
  if (input > 0) found.input.increment(input);
  if (output > 0) found.output.increment(output);
  if (total > 0) found.total.increment(total);
  if (log.enabled('debug')) log.debug(`ai-proxy: ${request.api} via "${request.provider.id}" model ${model ?? '?'} status ${request.status} tokens ${input}/${output}`);
}
