/**
 * One `provider` entry, parsed and validated (Higress ai-proxy field names where they exist), then
 * completed with the provider type's defaults. Unknown fields, Higress fields this plugin does not
 * implement and settings the chosen type does not use are rejected by name rather than silently ignored.
 */
import { ConfigError, fieldPath, readBoolean, readNumber, readString } from '../../sdk/config-error.ts';
import { PROVIDERS } from '../providers/registry.ts';
import type { ProviderSettings, ProviderSpec } from '../providers/types.ts';
import { compileModelMapping, type ModelMapping } from './model-mapping.ts';
import { TokenPicker, readTokens, redacted } from './tokens.ts';

export interface ProviderConfig {
  id: string;
  spec: ProviderSpec;
  settings: ProviderSettings;
  tokens: TokenPicker;
  mapping: ModelMapping;
  protocol: 'openai' | 'original';
  timeoutMs: number;
  firstByteTimeoutMs?: number;
  includeUsage: boolean;
  maxRequestBodyBytes: number;
}

const KNOWN = new Set([
  'id', 'type', 'apiTokens', 'modelMapping', 'protocol', 'timeout', 'firstByteTimeout', 'githubOrg', 'apiVersion',
  'providerDomain', 'providerBasePath', 'tokenStrategy', 'consumerAffinity', 'disableStreamUsageStats', 'maxRequestBodyBytes',
]);
const HIGRESS_UNSUPPORTED = new Set([
  'context', 'customSettings', 'failover', 'retryOnFailure', 'capabilities', 'reasoningContentMode', 'basePath',
  'basePathHandling', 'subPath', 'openaiCustomUrl', 'promoteThinkingOnEmpty', 'mergeConsecutiveMessages',
  'contextCleanupCommands', 'hiclawMode', 'logUpstreamErrorResponseBody',
]);

const SETTINGS = ['githubOrg', 'apiVersion', 'providerDomain', 'providerBasePath'] as const;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
export const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

function checkFields(json: Record<string, unknown>, path: string): void {
  for (const key of Object.keys(json)) {
    if (KNOWN.has(key)) continue;
    const at = fieldPath(path, key);
    if (HIGRESS_UNSUPPORTED.has(key)) throw new ConfigError(at, redacted(json[key]), 'nothing: this Higress ai-proxy field is not supported by this plugin');
    throw new ConfigError(at, redacted(json[key]), `a known provider field (${[...KNOWN].join(', ')})`);
  }
}

function pattern(json: Record<string, unknown>, field: string, path: string, re: RegExp, expected: string): string | undefined {
  const value = readString(json, field, path, { optional: true });
  if (value !== undefined && !re.test(value)) throw new ConfigError(fieldPath(path, field), value, expected);
  return value;
}

export function parseProviderConfig(json: Record<string, unknown>, path: string, requireId: boolean): ProviderConfig {
  checkFields(json, path);
  const type = readString(json, 'type', path, { oneOf: [...PROVIDERS.keys()] });
  const spec = PROVIDERS.get(type)!;
  const settings: ProviderSettings = {
    githubOrg: pattern(json, 'githubOrg', path, ORG, 'a GitHub organization login (letters, digits, hyphens)'),
    apiVersion: readString(json, 'apiVersion', path, { nonEmpty: true, optional: true }) ?? spec.defaultApiVersion,
    providerDomain: pattern(json, 'providerDomain', path, DOMAIN, 'a host name with an optional :port, without scheme or path'),
    providerBasePath: pattern(json, 'providerBasePath', path, /^\/[^?#\s]*$/, 'a path starting with "/"'),
  };
  for (const field of SETTINGS) {
    if (json[field] === undefined || json[field] === null || spec.required.includes(field) || spec.optional.includes(field)) continue;
    const users = [...PROVIDERS.values()].filter((p) => p.required.includes(field) || p.optional.includes(field)).map((p) => JSON.stringify(p.type));
    throw new ConfigError(fieldPath(path, field), json[field], `nothing: ${field} applies to type${users.length > 1 ? 's' : ''} ${users.join(', ')} only`);
  }
  for (const field of spec.required) {
    if (settings[field] === undefined) throw new ConfigError(fieldPath(path, field), undefined, `a value: provider type "${type}" requires it`);
  }
  const tokens = readTokens(json.apiTokens, path);
  const strategy = readString(json, 'tokenStrategy', path, { oneOf: ['random', 'round-robin'], default: 'random' }) as 'random' | 'round-robin';
  return {
    id: readString(json, 'id', path, requireId ? { nonEmpty: true } : { optional: true }) ?? type,
    spec,
    settings,
    tokens: new TokenPicker(tokens, strategy, readBoolean(json, 'consumerAffinity', path, { default: false })),
    mapping: compileModelMapping(json.modelMapping, path),
    protocol: readString(json, 'protocol', path, { oneOf: ['openai', 'original'], default: 'openai' }) as 'openai' | 'original',
    timeoutMs: readNumber(json, 'timeout', path, { integer: true, min: 1, default: 120000 }),
    firstByteTimeoutMs: readNumber(json, 'firstByteTimeout', path, { integer: true, min: 1, optional: true }),
    includeUsage: !readBoolean(json, 'disableStreamUsageStats', path, { default: false }),
    maxRequestBodyBytes: readNumber(json, 'maxRequestBodyBytes', path, { integer: true, min: 1024, max: 100 * 1024 * 1024, default: DEFAULT_MAX_BODY }),
  };
}
