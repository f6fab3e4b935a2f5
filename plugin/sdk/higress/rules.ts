/**
 * Higress rule matching (wasm-go `pkg/matcher`), without host calls. The configuration is one JSON
 * object: global fields plus `_rules_`, each rule being its own fields and match lists. A request gets
 * the first rule that matches, else the global config; the global config is absent when the object
 * holds `_rules_` and nothing else (`_plugin_id_` is ignored). A rule's category follows wasm-go: with
 * `_match_route_` it matches on the route (and, if it also has `_match_service_`, on the service too);
 * otherwise on `_match_domain_`, else on `_match_service_`, else on `_match_route_prefix_`.
 */
import { ConfigError, Described, isJsonObject } from '../config/index.ts';
import { MAX_JSON_DEPTH, parseJson } from '../json.ts';

export interface RequestFacts {
  authority?: string;
  routeName?: string;
  clusterName?: string;
}

export interface CompiledRule<C> {
  index: number;
  config: C;
  domains: string[];
  routes: string[];
  routePrefixes: string[];
  services: string[];
}

export interface RuleSet<C> {
  global?: C;
  rules: CompiledRule<C>[];
}

const MATCH_KEYS = {
  _match_route_: 'routes',
  _match_domain_: 'domains',
  _match_service_: 'services',
  _match_route_prefix_: 'routePrefixes',
} as const;
type MatchKey = keyof typeof MATCH_KEYS;
const MATCH_KEY_NAMES = Object.keys(MATCH_KEYS) as MatchKey[];

type Json = Record<string, unknown>;

/** The configuration text is never quoted in errors: it holds the tokens. */
function parseRoot(raw: string): Json {
  if (raw.trim() === '') return {};
  const result = parseJson(raw);
  if (!result.ok && result.error === 'depth') {
    throw new ConfigError('configuration', new Described(`arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels`), `a JSON object nested at most ${MAX_JSON_DEPTH} levels deep`);
  }
  if (!result.ok) throw new ConfigError('configuration', new Described(`text that is not valid JSON (${raw.length} characters, not shown)`), 'a JSON object');
  if (!isJsonObject(result.value)) throw new ConfigError('configuration', result.value, 'a JSON object');
  return result.value;
}

function withoutKeys(obj: Json, keys: readonly string[]): Json {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !keys.includes(key)));
}

function matchList(rule: Json, key: MatchKey, path: string): string[] {
  if (!Object.hasOwn(rule, key)) return [];
  const value = rule[key];
  const at = `${path}.${key}`;
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(at, value, 'a non-empty array of strings');
  value.forEach((entry, i) => {
    if (typeof entry !== 'string' || entry === '') throw new ConfigError(`${at}[${i}]`, entry, 'a non-empty string');
  });
  return value as string[];
}

function compileRule<C>(rule: unknown, index: number, globalJson: Json, parse: (json: Json, path: string) => C): CompiledRule<C> {
  const path = `_rules_[${index}]`;
  if (!isJsonObject(rule)) throw new ConfigError(path, rule, 'an object');
  if (!MATCH_KEY_NAMES.some((key) => Object.hasOwn(rule, key))) {
    throw new ConfigError(path, rule, `an object with at least one of ${MATCH_KEY_NAMES.join(', ')}`);
  }
  const lists = { routes: [] as string[], domains: [] as string[], services: [] as string[], routePrefixes: [] as string[] };
  for (const key of MATCH_KEY_NAMES) lists[MATCH_KEYS[key]] = matchList(rule, key, path);
  const fields = withoutKeys(rule, [...MATCH_KEY_NAMES, '_plugin_id_']);
  return { index, config: parse({ ...globalJson, ...fields }, path), ...lists };
}

/** Parses the raw plugin configuration; `parse` builds one config from JSON and reports errors under `path`. */
export function parseRuleSet<C>(raw: string, parse: (json: Json, path: string) => C): RuleSet<C> {
  const root = parseRoot(raw);
  const globalJson = withoutKeys(root, ['_rules_', '_plugin_id_']);
  const hasRules = Object.hasOwn(root, '_rules_');
  const hasGlobal = !hasRules || Object.keys(globalJson).length > 0;
  const rawRules = hasRules ? root._rules_ : [];
  if (hasRules && !Array.isArray(rawRules)) throw new ConfigError('_rules_', rawRules, 'an array of rule objects');
  if (hasRules && !hasGlobal && (rawRules as unknown[]).length === 0) {
    throw new ConfigError('_rules_', rawRules, 'at least one rule when there are no global fields');
  }
  const global = hasGlobal ? parse(globalJson, '') : undefined;
  const rules = (rawRules as unknown[]).map((rule, i) => compileRule(rule, i, globalJson, parse));
  return hasGlobal ? { global, rules } : { rules };
}

function stripPort(authority: string): string {
  const colon = authority.lastIndexOf(':');
  return colon !== -1 && authority.lastIndexOf(']') < colon ? authority.slice(0, colon) : authority;
}

/** `*.example.com` = suffix, `example*` = prefix, else exact; the authority's port is ignored, case too. */
export function matchesDomain(pattern: string, authority: string): boolean {
  const host = stripPort(authority).toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*')) return host.endsWith(p.slice(1));
  if (p.endsWith('*')) return host.startsWith(p.slice(0, -1));
  return host === p;
}

/** `entry` is `fqdn` or `fqdn:port`, matched against the cluster `outbound|<port>||<fqdn>`. */
export function matchesService(entry: string, clusterName: string): boolean {
  const parts = clusterName.split('|');
  if (parts.length !== 4) return false;
  const [, port, , fqdn] = parts;
  const colon = entry.lastIndexOf(':');
  if (colon !== -1 && fqdn === entry.slice(0, colon) && port === entry.slice(colon + 1)) return true;
  return fqdn === entry;
}

function ruleMatches<C>(rule: CompiledRule<C>, facts: RequestFacts): boolean {
  if (rule.routes.length > 0) {
    const route = facts.routeName;
    if (route === undefined || !rule.routes.includes(route)) return false;
    if (rule.services.length === 0) return true;
    const cluster = facts.clusterName;
    return cluster !== undefined && rule.services.some((entry) => matchesService(entry, cluster));
  }
  if (rule.domains.length > 0) {
    const authority = facts.authority;
    return authority !== undefined && rule.domains.some((pattern) => matchesDomain(pattern, authority));
  }
  if (rule.services.length > 0) {
    const cluster = facts.clusterName;
    return cluster !== undefined && rule.services.some((entry) => matchesService(entry, cluster));
  }
  const route = facts.routeName;
  return route !== undefined && rule.routePrefixes.some((prefix) => route.startsWith(prefix));
}

/** The first matching rule's config, else the global config (undefined: let the request pass). */
export function selectRule<C>(set: RuleSet<C>, facts: RequestFacts): C | undefined {
  for (const rule of set.rules) if (ruleMatches(rule, facts)) return rule.config;
  return set.global;
}
