/**
 * Where each API's requests go on the provider: the type's own path, replaced by the Higress
 * `capabilities` entry for that API when one is configured, then prefixed with `providerBasePath`
 * unless the path is already under it (Higress `applyProviderBasePath`). Computed once per
 * configuration; `protocol: original` forwards the client's path with the same prefix.
 */
import { ConfigError, fieldPath, isJsonObject } from '../../sdk/config/index.ts';
import type { ApiName, ProviderSettings, ProviderSpec } from '../providers/types.ts';

/** Higress `ApiName` values of the APIs this plugin serves, as `capabilities` keys. */
export const CAPABILITY_KEYS: Readonly<Record<string, ApiName>> = {
  'openai/v1/chatcompletions': 'chat',
  'openai/v1/embeddings': 'embeddings',
  'openai/v1/models': 'models',
};

const PATH = /^\/[^#\s]*$/;
const APIS: ApiName[] = ['chat', 'embeddings', 'models'];

export interface UpstreamPaths {
  /** The upstream path (with query) per API; an API the provider lacks is absent. */
  readonly api: Partial<Record<ApiName, string>>;
  readonly basePath?: string;
}

/** `basePath` + `path`, unless `path` is already under `basePath` (whole segments, unlike Higress's plain prefix test). */
export function withBasePath(path: string, basePath: string | undefined): string {
  if (basePath === undefined || !path.startsWith(basePath)) return basePath === undefined ? path : basePath + path;
  const next = path.charAt(basePath.length);
  return next === '' || next === '/' || next === '?' ? path : basePath + path;
}

function readCapabilities(raw: unknown, at: string): Partial<Record<ApiName, string>> {
  if (raw === undefined || raw === null) return {};
  const expected = `an object from API name (${Object.keys(CAPABILITY_KEYS).join(', ')}) to upstream path`;
  if (!isJsonObject(raw)) throw new ConfigError(at, raw, expected);
  const paths: Partial<Record<ApiName, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const api = Object.hasOwn(CAPABILITY_KEYS, key) ? CAPABILITY_KEYS[key] : undefined;
    if (api === undefined) throw new ConfigError(fieldPath(at, key), value, `nothing: this plugin serves only ${Object.keys(CAPABILITY_KEYS).join(', ')}`);
    if (typeof value !== 'string' || !PATH.test(value)) throw new ConfigError(fieldPath(at, key), value, 'an upstream path starting with "/"');
    paths[api] = value;
  }
  return paths;
}

export function compileUpstreamPaths(json: Record<string, unknown>, path: string, spec: ProviderSpec, settings: ProviderSettings): UpstreamPaths {
  const basePath = json.providerBasePath;
  const at = fieldPath(path, 'providerBasePath');
  if (basePath !== undefined && basePath !== null && (typeof basePath !== 'string' || !/^\/[^?#\s]*$/.test(basePath))) {
    throw new ConfigError(at, basePath, 'a path starting with "/"');
  }
  const base = typeof basePath === 'string' ? basePath.replace(/\/+$/, '') || undefined : undefined;
  const capabilities = readCapabilities(json.capabilities, fieldPath(path, 'capabilities'));
  const api: Partial<Record<ApiName, string>> = {};
  for (const name of APIS) {
    const own = capabilities[name] ?? spec.path(name, settings);
    if (own !== undefined) api[name] = withBasePath(own, base);
  }
  return { api, basePath: base };
}
