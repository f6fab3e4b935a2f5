/**
 * The headers a provider's upstream requests carry, computed once per provider configuration instead
 * of per request: per token, the host, the path (filled in per request), the authentication, the
 * provider's extra headers and Envoy's timeouts, joined as `HeaderMap.rewriteText` takes them; with
 * and without the first-byte timeout, which only streaming requests get when the body is read first.
 */
import type { HeaderPairs } from '../../sdk/index.ts';
import type { ProviderConfig } from '../config/provider-config.ts';

/** The headers of one token as `HeaderMap.rewriteText` takes them: `head` + path + `tail`, `count` pairs. */
export interface UpstreamSet {
  head: string;
  tail: string;
  count: number;
}

export interface UpstreamHeaders {
  host: string;
  /** Per token, in the order of `provider.tokens.tokens`, with the first-byte timeout when one is configured. */
  sets: readonly UpstreamSet[];
  /** The same without the first-byte timeout (for non-streaming requests on the Higress build). */
  plainSets: readonly UpstreamSet[];
}

const computed = new WeakMap<ProviderConfig, UpstreamHeaders>();

/** What a retry through `proxy_http_call` carries for token `index`: the upstream host, and the authentication, provider headers and JSON content type. */
export function calloutHeaders(provider: ProviderConfig, index: number): { authority: string; headers: HeaderPairs } {
  const token = provider.tokens.tokens[index]!;
  return {
    authority: upstreamHeaders(provider).host,
    headers: [...provider.spec.authHeaders(token), ...provider.spec.extraHeaders(provider.settings), ['content-type', 'application/json']],
  };
}

export function upstreamHeaders(provider: ProviderConfig): UpstreamHeaders {
  let headers = computed.get(provider);
  if (headers) return headers;
  const host = provider.spec.host(provider.settings);
  const plain: HeaderPairs = [...provider.spec.extraHeaders(provider.settings), ['x-envoy-upstream-rq-timeout-ms', String(provider.timeoutMs)]];
  const firstByte: HeaderPairs = provider.firstByteTimeoutMs === undefined ? [] : [['x-envoy-upstream-rq-first-byte-timeout-ms', String(provider.firstByteTimeoutMs)]];
  const setsOf = (fixed: HeaderPairs) =>
    provider.tokens.tokens.map((token): UpstreamSet => {
      const rest = [...provider.spec.authHeaders(token), ...fixed].flat();
      return { head: `:authority\0${host}\0:path\0`, tail: rest.map((part) => `\0${part}`).join('') + '\0', count: 2 + rest.length / 2 };
    });
  const sets = setsOf([...plain, ...firstByte]);
  headers = { host, sets, plainSets: firstByte.length === 0 ? sets : setsOf(plain) };
  computed.set(provider, headers);
  return headers;
}
