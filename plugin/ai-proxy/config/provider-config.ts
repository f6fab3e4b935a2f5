/**
 * One `provider` entry, parsed and validated (Higress ai-proxy field names where they exist), then
 * completed with the provider type's defaults. Unknown fields, Higress fields this plugin does not
 * implement and settings the chosen type does not use are rejected by name rather than silently ignored
 * (Higress fields holding a value that does nothing there either are accepted with a warning).
 * Where Higress reads an empty value as "unset" (`protocol: ""`, `timeout: 0`, `firstByteTimeout: 0`,
 * `providerBasePath: ""`), so does this plugin.
 */
import { ConfigError, fieldPath, looksLikeCredential, readBoolean, readNumber, readString, readStringArray } from '../../sdk/config/index.ts';
import { PROVIDERS } from '../providers/registry.ts';
import type { ProviderSettings, ProviderSpec } from '../providers/types.ts';
import { compileModelMapping, type ModelMapping } from './model-mapping.ts';
import { compileUpstreamPaths, type UpstreamPaths } from './upstream-paths.ts';
import { checkProviderFields } from './higress-fields.ts';
import { TokenPicker, readTokens } from './tokens.ts';
import { readRetryConfig, readStatusPatterns, type RetryConfig } from './retry-config.ts';
import { readFailoverConfig, type FailoverConfig } from '../failover/failover-config.ts';
import { readCacheConfig, type CacheConfig } from '../cache/cache-config.ts';
import type { RedisTarget } from '../redis/redis-target.ts';

export interface ProviderConfig {
  id: string;
  spec: ProviderSpec;
  settings: ProviderSettings;
  paths: UpstreamPaths;
  tokens: TokenPicker;
  mapping: ModelMapping;
  protocol: 'openai' | 'original';
  /** `unknownApiPolicy`: what a path naming none of the provider's APIs gets. */
  unknownApis: 'passthrough' | 'reject';
  timeoutMs: number;
  firstByteTimeoutMs?: number;
  includeUsage: boolean;
  maxRequestBodyBytes: number;
  /** `retryOnFailure` when enabled. */
  retry?: RetryConfig;
  /** `failover` when enabled. */
  failover?: FailoverConfig;
  /** The Envoy cluster this provider's callouts (retries and fallbacks to it) go through. */
  cluster?: string;
  /** `fallbackProviders`: the ids as written, then the providers (resolved with the whole configuration). */
  fallbackIds: readonly string[];
  fallbacks: ProviderConfig[];
  /** Statuses `fallbackOnStatus` matches. */
  fallbackStatuses: ReadonlySet<number>;
  /** Whether a failed answer may be retried or sent to a fallback (set once fallbacks are resolved). */
  recovers: boolean;
  /** The provider's own `cache` block, which wins over the configuration's. */
  cache?: CacheConfig;
  /** Higress fields accepted without effect, for the configure log. */
  warnings: string[];
}

const KNOWN = new Set([
  'id', 'type', 'apiTokens', 'modelMapping', 'protocol', 'timeout', 'firstByteTimeout', 'githubOrg', 'apiVersion',
  'providerDomain', 'providerBasePath', 'capabilities', 'tokenStrategy', 'consumerAffinity', 'disableStreamUsageStats',
  'maxRequestBodyBytes', 'unknownApiPolicy', 'retryOnFailure', 'failover', 'cluster', 'fallbackProviders', 'fallbackOnStatus', 'cache',
]);

const TYPE_SETTINGS = ['githubOrg', 'apiVersion'] as const;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
export const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

function pattern(json: Record<string, unknown>, field: string, path: string, re: RegExp, expected: string): string | undefined {
  const value = readString(json, field, path, { optional: true });
  if (value !== undefined && !re.test(value)) throw new ConfigError(fieldPath(path, field), value, expected);
  return value;
}

/** Values Higress reads as "not set" (gjson's zero values), per field. */
const HIGRESS_UNSET: Record<string, unknown> = { protocol: '', timeout: 0, firstByteTimeout: 0, providerDomain: '', providerBasePath: '', apiVersion: '' };

function withoutUnset(json: Record<string, unknown>): Record<string, unknown> {
  const unset = Object.keys(HIGRESS_UNSET).filter((field) => json[field] === HIGRESS_UNSET[field]);
  return unset.length === 0 ? json : Object.fromEntries(Object.entries(json).filter(([field]) => !unset.includes(field)));
}

/** `redis`: the top-level block, for a provider's `cache` on Redis. */
export function parseProviderConfig(raw: Record<string, unknown>, path: string, requireId: boolean, redis?: RedisTarget): ProviderConfig {
  const warnings = checkProviderFields(raw, path, KNOWN);
  const json = withoutUnset(raw);
  const type = readString(json, 'type', path, { oneOf: [...PROVIDERS.keys()] });
  const spec = PROVIDERS.get(type)!;
  const settings: ProviderSettings = {
    githubOrg: pattern(json, 'githubOrg', path, ORG, 'a GitHub organization login (letters, digits, hyphens)'),
    apiVersion: readString(json, 'apiVersion', path, { nonEmpty: true, optional: true }) ?? spec.defaultApiVersion,
    providerDomain: pattern(json, 'providerDomain', path, DOMAIN, 'a host name with an optional :port, without scheme or path'),
  };
  for (const field of TYPE_SETTINGS) {
    if (json[field] === undefined || json[field] === null || spec.required.includes(field) || spec.optional.includes(field)) continue;
    const users = [...PROVIDERS.values()].filter((p) => p.required.includes(field) || p.optional.includes(field)).map((p) => JSON.stringify(p.type));
    throw new ConfigError(fieldPath(path, field), json[field], `nothing: ${field} applies to type${users.length > 1 ? 's' : ''} ${users.join(', ')} only`);
  }
  for (const field of spec.required) {
    if (settings[field] === undefined) throw new ConfigError(fieldPath(path, field), undefined, `a value: provider type "${type}" requires it`);
  }
  const tokens = readTokens(json.apiTokens, path);
  const id = readString(json, 'id', path, requireId ? { nonEmpty: true } : { optional: true }) ?? type;
  if (looksLikeCredential(id)) throw new ConfigError(fieldPath(path, 'id'), id, 'a provider name (this one looks like a credential and would appear in logs)');
  const strategy = readString(json, 'tokenStrategy', path, { oneOf: ['random', 'round-robin'], default: 'random' }) as 'random' | 'round-robin';
  return {
    id,
    spec,
    settings,
    paths: compileUpstreamPaths(json, path, spec, settings),
    tokens: new TokenPicker(tokens, strategy, readBoolean(json, 'consumerAffinity', path, { default: false })),
    mapping: compileModelMapping(json.modelMapping, path),
    protocol: readString(json, 'protocol', path, { oneOf: ['openai', 'original'], default: 'openai' }) as 'openai' | 'original',
    unknownApis: readString(json, 'unknownApiPolicy', path, { oneOf: ['passthrough', 'reject'], default: spec.unknownApis }) as 'passthrough' | 'reject',
    timeoutMs: readNumber(json, 'timeout', path, { integer: true, min: 1, default: 120000 }),
    firstByteTimeoutMs: readNumber(json, 'firstByteTimeout', path, { integer: true, min: 1, optional: true }),
    includeUsage: !readBoolean(json, 'disableStreamUsageStats', path, { default: false }),
    maxRequestBodyBytes: readNumber(json, 'maxRequestBodyBytes', path, { integer: true, min: 1024, max: 100 * 1024 * 1024, default: DEFAULT_MAX_BODY }),
    retry: readRetryConfig(json, path),
    failover: readFailoverConfig(json, path),
    cluster: readString(json, 'cluster', path, { nonEmpty: true, optional: true }),
    fallbackIds: readStringArray(json, 'fallbackProviders', path, { default: [] }),
    fallbacks: [],
    fallbackStatuses: readStatusPatterns(json, 'fallbackOnStatus', path, ['410', '429', '5.*']),
    recovers: false,
    cache: readCacheConfig(json.cache, fieldPath(path, 'cache'), redis),
    warnings,
  };
}
