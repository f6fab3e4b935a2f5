/**
 * What follows a failed answer (traffic-management §B; Higress `retry.go` without its bugs): retries
 * with the provider's other tokens (`retryOnFailure`), then the provider's `fallbackProviders` in order
 * (beyond Higress, which leaves cross-provider fallback to Envoy routing). The failed response stays
 * held. A retry re-sends the request as it went upstream — same path, body after model mapping,
 * whatever the API (Higress #4718 rebuilt every retry as a chat request) — with the next token not
 * tried yet, through the provider's `cluster` or else the route's (`cluster_name`, Higress's
 * `RouteCluster`). A fallback sends
 * the client's request as that provider takes it — its path, host, token, headers and model mapping —
 * through its `cluster`. An attempt answering a status the current rule matches (`retryOnStatus` for
 * retries, `fallbackOnStatus` for moving on), or reset, leads to the next while attempts and time
 * remain: each retry gets `retryTimeout`, each fallback its provider's `timeout`, and all of them
 * together no more than what is left of the active provider's `timeout`. `finish` gets the last answer
 * and the provider that gave it, or undefined when no attempt answered (the held response then goes on).
 */
import { getProperty, log, now, type CalloutRequest, type CalloutResponse, type HttpContext } from '../../sdk/index.ts';
import { parseRequestBody, rewriteBody } from '../body/chat-body.ts';
import { streamsUsageWhenAsked } from '../apis/api-table.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import type { RecoveryInputs, RequestState } from '../request-state.ts';
import { withQuery } from '../config/upstream-paths.ts';
import { calloutHeaders } from '../request/upstream-headers.ts';
import { available, readHealth } from '../failover/token-health.ts';
import { chooseToken, learnFromAnswer } from '../failover/token-choice.ts';
import { isEnvoyCalloutReply } from './replacement.ts';
import { pairValue } from './retried-answer.ts';

const CLUSTER_NAME = ['cluster_name'];


export interface Answer {
  response: CalloutResponse;
  provider: ProviderConfig;
  /** The token the attempt used. */
  index: number;
  upstreamModel?: string;
}

export class RecoveryAttempts {
  private readonly used = new Set<number>();
  private nextFallback = 0;
  private last?: Answer;
  private status: number;
  private routeCluster?: string | null;
  private readonly active: ProviderConfig;

  private constructor(
    private readonly ctx: HttpContext,
    private readonly request: RequestState,
    private readonly inputs: RecoveryInputs,
    private readonly finish: (answer: Answer | undefined) => void,
  ) {
    this.used.add(request.tokenIndex);
    this.status = request.status;
    this.active = request.provider;
  }

  /** Starts after a failed answer; undefined when the provider neither retries nor falls back on it, or nothing is left to try. */
  static start(ctx: HttpContext, request: RequestState, finish: (answer: Answer | undefined) => void): RecoveryAttempts | undefined {
    const provider = request.provider;
    const inputs = request.recovery;
    if (!inputs) return undefined;
    const retries = provider.retry !== undefined && inputs.sentBody !== undefined && provider.retry.statuses.has(request.status);
    const fallbacks = provider.fallbacks.length > 0 && inputs.clientBody !== undefined && provider.fallbackStatuses.has(request.status);
    if (!retries && !fallbacks) return undefined;
    const attempts = new RecoveryAttempts(ctx, request, inputs, finish);
    return attempts.next() ? attempts : undefined;
  }

  private left(): number {
    return this.active.timeoutMs - (now() - this.inputs.startedMs);
  }

  /** Sends the next attempt (a retry while one is due and possible, else the next fallback); false when nothing is left. */
  private next(): boolean {
    if (this.left() <= 0) return false;
    if (this.retryDue()) {
      const index = this.untriedToken();
      const cluster = this.clusterOfRoute();
      if (index >= 0 && cluster !== undefined) {
        const sent = this.send(this.active, index, cluster, this.request.upstreamPath!, this.inputs.sentBody!, Math.min(this.active.retry!.retryTimeoutMs, this.left()), this.request.upstreamModel);
        if (sent) {
          this.used.add(index);
          return true;
        }
      }
    }
    return this.fallBack();
  }

  private retryDue(): boolean {
    const retry = this.active.retry;
    return retry !== undefined && this.inputs.sentBody !== undefined && this.request.attempts <= retry.maxRetries && this.nextFallback === 0 && retry.statuses.has(this.status);
  }

  /** The next token not tried yet (and, with failover, neither out nor parked). */
  private untriedToken(): number {
    const { tokenIndex } = this.request;
    const n = this.active.tokens.tokens.length;
    const health = this.active.failover ? readHealth(this.active) : undefined;
    for (let k = 1; k < n; k++) {
      const i = (tokenIndex + k) % n;
      if (!this.used.has(i) && (!health || available(health.tokens[i]!, now))) return i;
    }
    return -1;
  }

  /** The provider's `cluster`, or the route's (Higress's `RouteCluster`). */
  private clusterOfRoute(): string | undefined {
    if (this.active.cluster !== undefined) return this.active.cluster;
    if (this.routeCluster === undefined) {
      this.routeCluster = getProperty(CLUSTER_NAME) ?? null;
      if (this.routeCluster === null) log.warn(`ai-proxy: cannot retry the failed answer from provider "${this.active.id}": the route has no cluster_name`);
    }
    return this.routeCluster ?? undefined;
  }

  /** The next fallback provider that takes this request, sent; false when none is left. */
  private fallBack(): boolean {
    const { request } = this;
    const clientBody = this.inputs.clientBody;
    if (clientBody === undefined || !this.active.fallbackStatuses.has(this.status)) return false;
    while (this.nextFallback < this.active.fallbacks.length) {
      const provider = this.active.fallbacks[this.nextFallback++]!;
      const path = request.api && provider.paths.api[request.api];
      const parsed = parseRequestBody(new Uint8Array(clientBody));
      if (!path || 'code' in parsed) continue;
      const model = parsed.model === undefined ? provider.mapping.fallback : provider.mapping.map(parsed.model);
      if (model === undefined) continue;
      const body = rewriteBody(parsed, { model: model === parsed.model ? undefined : model, includeUsage: streamsUsageWhenAsked(request.api) && parsed.stream && provider.includeUsage });
      const index = chooseToken(provider, undefined);
      const sent = this.send(provider, index, provider.cluster!, withQuery(path, this.inputs.query), body.slice().buffer, Math.min(provider.timeoutMs, this.left()), model);
      if (sent) return true;
    }
    return false;
  }

  private send(provider: ProviderConfig, index: number, cluster: string, path: string, body: ArrayBuffer, timeoutMs: number, upstreamModel: string | undefined): boolean {
    if (timeoutMs < 1) return false;
    const { authority, headers } = calloutHeaders(provider, index);
    const request: CalloutRequest = { cluster, method: 'POST', path, authority, headers, body, timeoutMs: Math.floor(timeoutMs) };
    try {
      this.ctx.httpCall(request, (response) => this.answered({ response, provider, index, upstreamModel }));
    } catch (error) {
      log.warn(`ai-proxy: an attempt to provider "${provider.id}" could not be sent: ${(error as Error).message}`);
      return false;
    }
    this.request.attempts++;
    return true;
  }

  private answered(answer: Answer): void {
    const { response, provider } = answer;
    if (!response.failed) this.last = answer;
    if (provider.failover && !response.failed && !isEnvoyCalloutReply(response.status, pairValue(response.headers, 'content-type'))) {
      learnFromAnswer(provider, answer.index, response.status, (name) => pairValue(response.headers, name), undefined);
    }
    this.status = response.failed ? 503 : response.status;
    const ok = !response.failed && response.status >= 200 && response.status < 300;
    if (!ok && this.next()) return;
    this.finish(this.last);
  }
}
