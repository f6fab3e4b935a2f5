/**
 * What one request through the AI proxy is known to be, decided by the request phases and read by the
 * later ones: the provider picked for its route, the OpenAI API it addresses and how (unset for
 * protocol `original` and passed-through paths), how its body is read, the model the client asked for and the one sent upstream, whether the client asked for a
 * streaming answer, and the status of the answer once its headers arrive (0 before). Plain data: the
 * modules that decide each field set it. Optional fields are declared, not initialised, so a request
 * pays only for those it sets (QuickJS defines each initialised field on every instance).
 */
import type { ProviderConfig } from './config/provider-config.ts';
import type { ApiName, Operation } from './apis/api-table.ts';
import type { RequestLimits } from './limits/request-limits.ts';
import type { CacheState } from './cache/cache-state.ts';

/** What a retry or fallback re-sends, kept from the request phases. */
export interface RecoveryInputs {
  /** When the request arrived (ms). */
  startedMs: number;
  /** The client's query string. */
  query: string;
  /** The body as sent upstream (retries). */
  sentBody?: ArrayBuffer;
  /** The client's body as it arrived (fallbacks, which map the model anew). */
  clientBody?: ArrayBuffer;
}

export class RequestState {
  declare api?: ApiName;
  /** What the API does with the request's method: how its body is read, whether usage is recorded. */
  declare operation?: Operation;
  /** How this request's body is read: `json` gathered and mapped; `multipart` streamed, `model` mapped while `multipartBoundary` is set; else unread. */
  body: 'json' | 'multipart' | 'unread' = 'unread';
  /** The boundary of a multipart body whose `model` field is still being looked for. */
  declare multipartBoundary?: string;
  declare requestModel?: string;
  declare upstreamModel?: string;
  /** The upstream path and query. */
  declare upstreamPath?: string;
  /** Which of the provider's tokens the request went upstream with. */
  tokenIndex = 0;
  /** Upstream attempts the answer took (1 + retries; 0 for a request a rate limit refused). */
  attempts = 1;
  streaming = false;
  status = 0;

  /** What retries and fallbacks need, kept only for a provider that has them. */
  declare recovery?: RecoveryInputs;

  /** The rate limits of the request's configuration, when it has any. */
  declare limits?: RequestLimits;

  /** The response cache's view of the request, when a cache is configured. */
  declare cache?: CacheState;

  /** The provider picked for the route; a fallback provider once one answered. */
  constructor(public provider: ProviderConfig) {}
}
