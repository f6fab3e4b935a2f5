/**
 * The headers a provider's upstream requests carry, computed once per provider configuration instead
 * of per request: per token, the flat list (names at even, values at odd indices) of the host, the path
 * (a slot filled per request), the authentication, the provider's extra headers and Envoy's timeouts.
 */
import type { HeaderPairs } from '../../sdk/index.ts';
import type { ProviderConfig } from '../config/provider-config.ts';

export interface UpstreamHeaders {
  host: string;
  /** Per token, in the order of `provider.tokens.tokens`; the value at PATH_SLOT is the path to fill in. */
  sets: ReadonlyArray<readonly string[]>;
}

export const PATH_SLOT = 3;

const computed = new WeakMap<ProviderConfig, UpstreamHeaders>();

export function upstreamHeaders(provider: ProviderConfig): UpstreamHeaders {
  let headers = computed.get(provider);
  if (headers) return headers;
  const host = provider.spec.host(provider.settings);
  const fixed: HeaderPairs = [...provider.spec.extraHeaders(provider.settings), ['x-envoy-upstream-rq-timeout-ms', String(provider.timeoutMs)]];
  if (provider.firstByteTimeoutMs !== undefined) fixed.push(['x-envoy-upstream-rq-first-byte-timeout-ms', String(provider.firstByteTimeoutMs)]);
  const sets = provider.tokens.tokens.map((token) => [':authority', host, ':path', '', ...[...provider.spec.authHeaders(token), ...fixed].flat()]);
  headers = { host, sets };
  computed.set(provider, headers);
  return headers;
}
