/**
 * The relay of one answer: how it is relayed, what is kept on the way (the SSE parser, a copy of a JSON
 * answer and its size, the error that replaces it) and the token usage read from it, recorded for
 * telemetry once the answer is complete, or at log time if it never completed.
 *
 * Response headers decide how the answer is relayed. Successful answers pass through untouched (SSE is
 * parsed on the side for usage); other upstream errors pass through unchanged (429 keeps `retry-after`
 * and `x-ratelimit-*`); a retired provider's 410, Envoy's own upstream failures and the GitHub catalog are
 * replaced by OpenAI-shaped bodies (an answer without a body is replaced by a local reply, since no body
 * callback follows). With `failover` the answer updates its token's health; with `retryOnFailure` or
 * `fallbackProviders` a failed answer is held while `RecoveryAttempts` tries again, and the last answer
 * replaces it as a local reply.
 *
 * The response body is relayed chunk by chunk without holding anything (usage is read from SSE events or
 * from a copy of a JSON answer, decoded whole so characters cut between chunks survive, and skipped when
 * the answer exceeds the copy limit); replaced answers are held to the end and rewritten.
 */
import { Action, bufferBody, concatBytes, getProperty, log, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { MAX_JSON_DEPTH } from '../../sdk/json.ts';
import { errorBody, replyError, type ProxyError } from '../errors.ts';
import type { RequestState } from '../request-state.ts';
import { recordUsage } from '../telemetry.ts';
import { catalogToOpenAiList } from './catalog.ts';
import { calloutReplacement, replacementFor } from './replacement.ts';
import { SseEventScan } from './sse-event-scan.ts';
import { UsageTracker } from './usage.ts';
import { RecoveryAttempts, type Answer } from './recovery.ts';
import { learnFromAnswer } from '../failover/token-choice.ts';
import { isEventStream, isJsonAnswerType } from '../media-types.ts';
import { pairValue, retriedReply } from './retried-answer.ts';
import { applyLimitHeaders, settleLimits } from '../limits/admission.ts';
import { CacheWriter } from '../cache/cache-writer.ts';

type RelayMode = 'pass' | 'sse' | 'json' | 'replace' | 'catalog' | 'retrying' | 'answered';

const USAGE_COPY_LIMIT = 4 * 1024 * 1024;
/** Which provider answered, on answers of a provider with fallbacks. */
const PROVIDER_HEADER = 'x-ai-proxy-provider';

const CODE_DETAILS = ['response', 'code_details'];
const ROUTE_CLUSTER = ['cluster_name'];

/** Failover: what an answer the upstream gave (not one of Envoy's own, e.g. for a refused connection) says about its token. */
function learnFromUpstream(provider: RequestState['provider'], index: number, status: number, headers: HttpContext['responseHeaders']): void {
  const header = (name: string) => headers.get(name);
  if (status >= 200 && status < 300) return learnFromAnswer(provider, index, status, header, undefined);
  if (getProperty(CODE_DETAILS) !== 'via_upstream') return;
  learnFromAnswer(provider, index, status, header, getProperty(ROUTE_CLUSTER));
}


/** How a successful answer of an API that reports usage is read: SSE events, a JSON body (or one without a type), or not at all (audio, images as bytes). */
function usageMode(type: string | undefined): RelayMode {
  if (type === undefined || type === '' || isJsonAnswerType(type)) return 'json';
  return isEventStream(type) ? 'sse' : 'pass';
}

export class ResponseRelay {
  private mode: RelayMode = 'pass';
  private declare replacement?: ProxyError;
  private declare sse?: SseEventScan;
  private declare copy?: ArrayBuffer[];
  private copiedBytes = 0;
  private readonly usage = new UsageTracker();
  private recorded = false;
  /** Some of a 2xx answer reached the client (what a token reservation is kept for when no usage came). */
  private started = false;
  /** The copy of a 200 answer for the response cache. */
  private declare writer?: CacheWriter;

  constructor(private readonly request: RequestState) {}

  onResponseHeaders(ctx: HttpContext, endOfStream: boolean): HookResult {
    if (this.mode === 'answered') return Action.Continue;
    const request = this.request;
    const hit = request.cache?.entry;
    if (hit) {
      this.mode = 'answered';
      request.status = 200;
      this.usage.usage = hit.usage;
      this.record(true);
      return Action.Continue;
    }
    const headers = ctx.responseHeaders;
    request.status = Number(headers.get(':status') ?? '0');
    const provider = request.provider;
    if (provider.protocol === 'original' || !request.api) return Action.Continue;
    if (provider.failover) learnFromUpstream(provider, request.tokenIndex, request.status, headers);
    if (provider.recovers && (request.status < 200 || request.status >= 300)) {
      if (RecoveryAttempts.start(ctx, request, (answer) => this.recovered(ctx, answer, endOfStream))) {
        this.mode = 'retrying';
        return Action.Pause;
      }
    }
    return this.relayHeaders(ctx, endOfStream);
  }

  /** Retries and fallbacks are over: the last answer replaces the held one, or (none answered) the held one goes on. */
  private recovered(ctx: HttpContext, answer: Answer | undefined, endOfStream: boolean): void {
    if (!answer) {
      this.mode = 'pass';
      if (this.relayHeaders(ctx, endOfStream) === Action.Continue) ctx.resumeResponse();
      return;
    }
    const request = this.request;
    const fellBack = answer.provider !== request.provider;
    request.status = answer.response.status;
    request.provider = answer.provider;
    request.upstreamModel = answer.upstreamModel;
    this.mode = 'answered';
    const replacement = calloutReplacement(answer.provider, answer.response.status, pairValue(answer.response.headers, 'content-type'));
    if (replacement) replyError(ctx, replacement);
    else ctx.reply(retriedReply(answer.response, this.usage, request.streaming, fellBack || answer.provider.fallbacks.length > 0 ? answer.provider.id : undefined));
    this.record(true);
  }

  private relayHeaders(ctx: HttpContext, endOfStream: boolean): HookResult {
    const request = this.request;
    const provider = request.provider;
    const headers = ctx.responseHeaders;
    if (provider.fallbacks.length > 0) headers.set(PROVIDER_HEADER, provider.id);
    if (request.limits) applyLimitHeaders(ctx, request.limits);
    const cache = request.cache;
    if (cache && request.attempts > 0) headers.set('x-cache', cache.status === 'bypass' ? 'BYPASS' : 'MISS');
    this.replacement = replacementFor(provider, request.status);
    const ok = request.status >= 200 && request.status < 300;
    if (this.replacement && endOfStream) {
      replyError(ctx, this.replacement);
      this.record(true);
      return Action.Pause;
    }
    if (this.replacement) this.mode = 'replace';
    else if (ok && request.api === 'models' && provider.spec.modelsFormat === 'github-catalog') this.mode = 'catalog';
    else if (ok && request.operation!.usage) this.mode = usageMode(headers.get('content-type'));
    if (this.mode === 'sse') this.sse = new SseEventScan(USAGE_COPY_LIMIT, (data) => this.usage.observeEvent(data));
    if (cache?.store && request.status === 200 && (this.mode === 'json' || this.mode === 'sse')) this.writer = new CacheWriter(cache, this.mode, headers.get('content-type') ?? '');
    if ((this.mode === 'replace' || this.mode === 'catalog') && !endOfStream) {
      headers.remove('content-length');
      headers.set('content-type', 'application/json');
    }
    return Action.Continue;
  }

  onResponseBody(ctx: HttpContext, bodySize: number, endOfStream: boolean): HookResult {
    if (bodySize > 0) this.started = true;
    switch (this.mode) {
      case 'retrying':
        return Action.Pause;
      case 'answered':
        return Action.Continue;
      case 'sse': {
        if (bodySize > 0) {
          this.sse!.pushBody(this.usage.model === undefined);
          this.writer?.push(ctx.response.body.read(0, bodySize));
        }
        return endOfStream ? this.done() : Action.Continue;
      }
      case 'json': {
        if (endOfStream && this.copiedBytes === 0) {
          if (this.writer && bodySize > 0) this.writer.push(ctx.response.body.read(0, bodySize));
          if (bodySize <= USAGE_COPY_LIMIT) this.usage.observeHeldAnswer();
          return this.done();
        }
        this.copiedBytes += bodySize;
        const kept = this.copiedBytes <= USAGE_COPY_LIMIT;
        if (kept || this.writer) {
          const chunk = ctx.response.body.read(0, bodySize);
          if (kept) (this.copy ??= []).push(chunk);
          this.writer?.push(chunk);
        }
        if (!endOfStream) return Action.Continue;
        if (this.copiedBytes <= USAGE_COPY_LIMIT) this.usage.observeAnswer(new Uint8Array(concatBytes(this.copy ?? [])));
        return this.done();
      }
      case 'replace':
        return bufferBody(ctx, 'response', bodySize, endOfStream, () => {
          ctx.response.body.replace(errorBody(this.replacement!));
          return this.done();
        });
      case 'catalog':
        return bufferBody(ctx, 'response', bodySize, endOfStream, (body) => {
          const provider = this.request.provider;
          const list = catalogToOpenAiList(new Uint8Array(body), Object.fromEntries(provider.mapping.aliases));
          if (list !== undefined) ctx.response.body.replace(list);
          else log.warn(`ai-proxy: the model catalog from provider "${provider.id}" is not a JSON array of models nested at most ${MAX_JSON_DEPTH} levels; relayed unchanged`);
          return this.done();
        });
      default:
        return endOfStream && this.request.api ? this.done() : Action.Continue;
    }
  }

  /** At log time: records usage, marked incomplete, for an API request whose answer was not recorded yet. */
  onLog(): void {
    if (this.request.api && !this.recorded) this.record(false);
  }

  private done(): HookResult {
    if (this.sse && this.sse.oversized > 0) {
      log.warn(`ai-proxy: ${this.sse.oversized} event(s) of the answer from provider "${this.request.provider.id}" exceed ${USAGE_COPY_LIMIT} bytes; relayed unchanged, usage not read from them`);
    }
    if (this.usage.tooDeep > 0) {
      log.warn(`ai-proxy: ${this.usage.tooDeep} part(s) of the answer from provider "${this.request.provider.id}" nest deeper than ${MAX_JSON_DEPTH} levels; relayed unchanged, usage not read from them`);
    }
    this.record(true);
    this.writer?.finish(this.usage.usage);
    return Action.Continue;
  }

  private record(complete: boolean): void {
    this.recorded = true;
    const request = this.request;
    if (request.limits) settleLimits(request.limits, this.usage, request.status >= 200 && request.status < 300 && (this.started || this.mode === 'answered'), request.cache?.entry !== undefined);
    recordUsage(request, this.usage, complete);
  }
}
