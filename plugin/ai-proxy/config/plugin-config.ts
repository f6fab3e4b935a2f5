/**
 * The plugin configuration (per Higress rule: global fields overridden by the rule's): either one
 * `provider`, or `providers` with `activeProviderId` choosing among them. No active provider means the
 * traffic passes through untouched, as in Higress.
 */
import { ConfigError, fieldPath, isJsonObject, kindOnly, readString } from '../../sdk/config/index.ts';
import { parseProviderConfig, type ProviderConfig } from './provider-config.ts';
import { readLimitsConfig } from '../limits/limit-config.ts';
import { readRedisTarget } from '../redis/redis-target.ts';
import { readCacheConfig, type CacheConfig } from '../cache/cache-config.ts';
import type { RateLimit } from '../limits/rate-limit.ts';

export interface AiProxyConfig {
  active?: ProviderConfig;
  providers: ProviderConfig[];
  rateLimits: RateLimit[];
  /** The `cache` block (a provider's own wins). */
  cache?: CacheConfig;
}

const TOP_LEVEL = new Set(['provider', 'providers', 'activeProviderId', 'redis', 'rateLimits', 'cache']);

/** Each provider's `fallbackProviders` ids to the providers they name: configured, not itself, with a `cluster` to reach them by. */
function resolveFallbacks(providers: ProviderConfig[], at: (index: number) => string): void {
  providers.forEach((provider, i) => {
    provider.fallbacks = provider.fallbackIds.map((id, j) => {
      const where = `${fieldPath(at(i), 'fallbackProviders')}[${j}]`;
      const found = providers.find((p) => p.id === id);
      if (!found) throw new ConfigError(where, id, `the id of another provider in "providers" (${providers.filter((p) => p !== provider).map((p) => JSON.stringify(p.id)).join(', ') || 'none configured'})`);
      if (found === provider) throw new ConfigError(where, id, 'the id of another provider, not this one');
      if (found.protocol === 'original') throw new ConfigError(where, id, 'a provider with protocol "openai" (an "original" provider forwards paths it does not read)');
      if (found.cluster === undefined) throw new ConfigError(where, id, `a provider with a "cluster" (the Envoy cluster its requests go through, e.g. outbound|443||${found.spec.host(found.settings)}.dns)`);
      return found;
    });
    provider.recovers = provider.retry !== undefined || provider.fallbacks.length > 0;
  });
}

export function parseAiProxyConfig(json: Record<string, unknown>, path: string): AiProxyConfig {
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL.has(key)) throw new ConfigError(fieldPath(path, key), kindOnly(json[key]), 'one of the fields provider, providers, activeProviderId, redis, rateLimits, cache');
  }
  const redis = json.redis === undefined || json.redis === null ? undefined : readRedisTarget(json.redis, fieldPath(path, 'redis'), false);
  const { rateLimits } = readLimitsConfig(json, path, redis);
  const cache = readCacheConfig(json.cache, fieldPath(path, 'cache'), redis);
  if (json.provider !== undefined && json.providers !== undefined) {
    throw new ConfigError(fieldPath(path, 'provider'), json.provider, 'either "provider" or "providers", not both');
  }
  if (json.provider !== undefined) {
    if (!isJsonObject(json.provider)) throw new ConfigError(fieldPath(path, 'provider'), json.provider, 'a provider object');
    const provider = parseProviderConfig(json.provider, fieldPath(path, 'provider'), false, redis);
    resolveFallbacks([provider], () => fieldPath(path, 'provider'));
    return { active: provider, providers: [provider], rateLimits, cache };
  }
  const list = json.providers ?? [];
  if (!Array.isArray(list)) throw new ConfigError(fieldPath(path, 'providers'), list, 'an array of provider objects');
  const providers = list.map((entry, i) => {
    const at = `${fieldPath(path, 'providers')}[${i}]`;
    if (!isJsonObject(entry)) throw new ConfigError(at, entry, 'a provider object');
    return parseProviderConfig(entry, at, true, redis);
  });
  const seen = new Set<string>();
  providers.forEach((p, i) => {
    if (seen.has(p.id)) throw new ConfigError(`${fieldPath(path, 'providers')}[${i}].id`, p.id, 'an id no other provider uses');
    seen.add(p.id);
  });
  resolveFallbacks(providers, (i) => `${fieldPath(path, 'providers')}[${i}]`);
  const activeId = readString(json, 'activeProviderId', path, { optional: true });
  if (activeId === undefined) return { providers, rateLimits, cache };
  const active = providers.find((p) => p.id === activeId);
  if (!active) {
    throw new ConfigError(fieldPath(path, 'activeProviderId'), activeId, `the id of a configured provider (${providers.map((p) => JSON.stringify(p.id)).join(', ') || 'none configured'})`);
  }
  return { active, providers, rateLimits, cache };
}
