/**
 * The headers a provider's upstream requests carry, computed once per provider configuration instead
 * of per request: the host, the authentication pairs of each token, the provider's extra headers and
 * Envoy's timeout headers.
 */
import type { HeaderPairs } from '../../sdk/index.ts';
import type { ProviderConfig } from '../config/provider-config.ts';

/** Header lists are flat: names at even, values at odd indices. */
export interface UpstreamHeaders {
  host: string;
  /** Per token, in the order of `provider.tokens.tokens`. */
  auth: ReadonlyArray<readonly string[]>;
  /** Extra headers, then the timeouts. */
  fixed: readonly string[];
}

const flatten = (pairs: HeaderPairs): string[] => pairs.flatMap(([name, value]) => [name, value]);

const computed = new WeakMap<ProviderConfig, UpstreamHeaders>();

export function upstreamHeaders(provider: ProviderConfig): UpstreamHeaders {
  let headers = computed.get(provider);
  if (headers) return headers;
  const fixed: HeaderPairs = [...provider.spec.extraHeaders(provider.settings), ['x-envoy-upstream-rq-timeout-ms', String(provider.timeoutMs)]];
  if (provider.firstByteTimeoutMs !== undefined) fixed.push(['x-envoy-upstream-rq-first-byte-timeout-ms', String(provider.firstByteTimeoutMs)]);
  headers = { host: provider.spec.host(provider.settings), auth: provider.tokens.tokens.map((token) => flatten(provider.spec.authHeaders(token))), fixed: flatten(fixed) };
  computed.set(provider, headers);
  return headers;
}
