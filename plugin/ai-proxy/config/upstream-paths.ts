/**
 * Where each API's requests go on the provider: the type's own path, replaced by the Higress
 * `capabilities` entry for that API when one is configured, then prefixed with `providerBasePath`
 * unless the path is already under it (Higress `applyProviderBasePath`). A path may name the API's id
 * segments (`/v1/files/{file_id}/content`), which take the client's ids. Computed once per
 * configuration; `protocol: original` and passed-through paths get the client's path with the same prefix.
 */
import { ConfigError, fieldPath, isJsonObject } from '../../sdk/config/index.ts';
import { APIS, API_BY_CAPABILITY, type ApiSpec } from '../apis/api-table.ts';
import type { ApiName, ProviderSettings, ProviderSpec } from '../providers/types.ts';

const PATH = /^\/[^#\s]*$/;
const ID = /\{([^{}/]*)\}/g;

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

/** The upstream path with the client's query appended (after the provider's own query, as Higress merges them). */
export function withQuery(upstreamPath: string, query: string): string {
  if (query === '') return upstreamPath;
  return `${upstreamPath}${upstreamPath.includes('?') ? '&' : '?'}${query}`;
}

/** An id as a query value: decoded, then encoded whole, so it cannot add parameters. */
function queryValue(id: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(id));
  } catch {
    return encodeURIComponent(id);
  }
}

/** `template` with each `{name}` replaced by the client's id segment of that name (in the query, as one encoded value). */
export function fillIds(template: string, spec: ApiSpec, ids: readonly string[]): string {
  if (ids.length === 0) return template;
  const q = template.indexOf('?');
  const fill = (part: string, inQuery: boolean) => part.replace(ID, (_, name: string) => (inQuery ? queryValue(ids[spec.ids.indexOf(name)]!) : ids[spec.ids.indexOf(name)]!));
  return q < 0 ? fill(template, false) : fill(template.slice(0, q), false) + fill(template.slice(q), true);
}

function checkIds(value: string, spec: ApiSpec, at: string): void {
  for (const [, name] of value.matchAll(ID)) {
    if (spec.ids.includes(name!)) continue;
    const allowed = spec.ids.length === 0 ? 'no id segments' : spec.ids.map((id) => `{${id}}`).join(', ');
    throw new ConfigError(at, value, `an upstream path starting with "/" whose id segments are those of ${spec.capability}: ${allowed}`);
  }
}

function readCapabilities(raw: unknown, at: string): Partial<Record<ApiName, string>> {
  if (raw === undefined || raw === null) return {};
  const expected = 'an object from API name (see the capabilities table, e.g. openai/v1/chatcompletions) to upstream path';
  if (!isJsonObject(raw)) throw new ConfigError(at, raw, expected);
  const paths: Partial<Record<ApiName, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const spec = API_BY_CAPABILITY.get(key);
    if (spec === undefined) throw new ConfigError(fieldPath(at, key), value, `one of the API names this plugin serves: ${[...API_BY_CAPABILITY.keys()].join(', ')}`);
    if (typeof value !== 'string' || !PATH.test(value)) throw new ConfigError(fieldPath(at, key), value, 'an upstream path starting with "/"');
    checkIds(value, spec, fieldPath(at, key));
    paths[spec.name] = value;
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
  for (const { name } of APIS) {
    const own = capabilities[name] ?? spec.path(name, settings);
    if (own !== undefined) api[name] = withBasePath(own, base);
  }
  return { api, basePath: base };
}
