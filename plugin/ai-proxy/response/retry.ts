/**
 * `retryOnFailure`: the attempts after a failed answer (traffic-management §B, Higress `retry.go`, without
 * its bugs). The failed response stays held; the request is sent again as it went upstream — same path,
 * body after model mapping, whatever the API (Higress #4718 rebuilt every retry as a chat request) —
 * with the next token not tried yet, through `proxy_http_call` to the route's cluster (`cluster_name`,
 * as Higress's `RouteCluster`). An attempt whose status `retryOnStatus` matches, or whose connection
 * was reset, leads to the next while retries, untried tokens and time remain: each attempt gets
 * `retryTimeout`, all of them together no more than what is left of the provider's `timeout`. `finish`
 * gets the last answer, or undefined when no attempt answered (the held response then goes on).
 */
import { getProperty, log, now, type CalloutResponse, type HttpContext } from '../../sdk/index.ts';
import type { RequestState } from '../request-state.ts';
import { calloutHeaders } from '../request/upstream-headers.ts';

const CLUSTER_NAME = ['cluster_name'];

export class RetryAttempts {
  private readonly used = new Set<number>();
  private last?: CalloutResponse;

  private constructor(
    private readonly ctx: HttpContext,
    private readonly request: RequestState,
    private readonly cluster: string,
    private readonly startedMs: number,
    private readonly finish: (answer: CalloutResponse | undefined) => void,
  ) {
    this.used.add(request.tokenIndex);
  }

  /** Starts retrying after a failed answer with `status`; undefined when the provider does not retry it or nothing is left to try. */
  static start(ctx: HttpContext, request: RequestState, startedMs: number, finish: (answer: CalloutResponse | undefined) => void): RetryAttempts | undefined {
    const retry = request.provider.retry;
    if (!retry || request.sentBody === undefined || !retry.statuses.has(request.status) || retry.maxRetries === 0) return undefined;
    const cluster = getProperty(CLUSTER_NAME);
    if (!cluster) {
      log.warn(`ai-proxy: cannot retry the failed answer from provider "${request.provider.id}": the route has no cluster_name`);
      return undefined;
    }
    const attempts = new RetryAttempts(ctx, request, cluster, startedMs, finish);
    return attempts.next() ? attempts : undefined;
  }

  /** Sends the next attempt; false when no untried token, retry or time is left. */
  private next(): boolean {
    const { request } = this;
    const { provider } = request;
    const retry = provider.retry!;
    if (request.attempts > retry.maxRetries) return false;
    const tokens = provider.tokens.tokens.length;
    let index = -1;
    for (let k = 1; k < tokens && index < 0; k++) if (!this.used.has((request.tokenIndex + k) % tokens)) index = (request.tokenIndex + k) % tokens;
    if (index < 0) return false;
    const left = provider.timeoutMs - (now() - this.startedMs);
    const timeoutMs = Math.floor(Math.min(retry.retryTimeoutMs, left));
    if (timeoutMs <= 0) return false;
    this.used.add(index);
    const { authority, headers } = calloutHeaders(provider, index);
    try {
      this.ctx.httpCall({ cluster: this.cluster, method: 'POST', path: request.upstreamPath!, authority, headers, body: request.sentBody, timeoutMs }, (answer) => this.answered(answer));
    } catch (error) {
      log.warn(`ai-proxy: a retry to provider "${provider.id}" could not be sent: ${(error as Error).message}`);
      return false;
    }
    request.attempts++;
    return true;
  }

  private answered(answer: CalloutResponse): void {
    if (!answer.failed) this.last = answer;
    const retryAgain = answer.failed || this.request.provider.retry!.statuses.has(answer.status);
    if (retryAgain && this.next()) return;
    this.finish(this.last);
  }
}
