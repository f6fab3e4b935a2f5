/**
 * What one request through the AI proxy is known to be, decided by the request phases and read by the
 * later ones: the provider picked for its route, the OpenAI API it addresses (unset for protocol
 * `original`), the model the client asked for and the one sent upstream, whether the client asked for a
 * streaming answer, and the status of the answer once its headers arrive (0 before). Plain data: the
 * modules that decide each field set it.
 */
import type { ProviderConfig } from './config/provider-config.ts';
import type { ApiName } from './providers/types.ts';

export class RequestState {
  api?: ApiName;
  requestModel?: string;
  upstreamModel?: string;
  /** The upstream path, kept while the headers are held for the body (Higress build). */
  upstreamPath?: string;
  streaming = false;
  status = 0;

  constructor(readonly provider: ProviderConfig) {}
}
