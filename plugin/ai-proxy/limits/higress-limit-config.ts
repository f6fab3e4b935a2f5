/**
 * A `rateLimits` entry in Higress's `ai-token-ratelimit` / `cluster-key-rate-limit` shape, so a Higress
 * user can paste theirs: `rule_name`, `global_threshold` or `rule_items` (`limit_by_header`,
 * `limit_by_param`, `limit_by_consumer`, `limit_by_cookie`, their `limit_by_per_*` forms, `limit_by_per_ip`
 * with `from-header-<name>` or `from-remote-addr`), `limit_keys` with one `token_per_*` or `query_per_*`
 * field each, `rejected_code`, `rejected_msg`, `show_limit_quota_header` and `redis` (`service_name`, …).
 * It becomes one limit for `global_threshold` (named `rule_name`) and one per rule item (`rule_name.<i>`),
 * always on Redis as in Higress. As in Higress, a request without the item's header, parameter, consumer
 * or cookie is not limited by it; `per_*` keys are `*` (every value) or `regexp:<pattern>`, IP keys are
 * addresses or ranges. One window per key (Higress keeps one and which one depends on map order), one
 * kind of count per entry (tokens or queries, as the two plugins are).
 */
import { ConfigError, fieldPath, isJsonObject, kindOnly, readBoolean, readNumber, readString } from '../../sdk/config/index.ts';
import { requireHigressBuild } from '../../sdk/index.ts';
import { WINDOWS, type Allowance, type Counts, type KeyPattern, type KeySource, type RateLimit } from './rate-limit.ts';
import { readRedisTarget } from '../redis/redis-target.ts';
import { parseCidr } from './ip-match.ts';
import { NAME, readCommonOptions, readLimitValue } from './limit-fields.ts';

const FIELDS = new Set(['rule_name', 'global_threshold', 'rule_items', 'rejected_code', 'rejected_msg', 'show_limit_quota_header', 'redis', 'failureMode', 'defaultMaxTokens']);
const SELECTORS: Record<string, { source: (value: string) => KeySource; per: boolean }> = {
  limit_by_header: { source: (name) => ({ kind: 'header', name: name.toLowerCase() }), per: false },
  limit_by_param: { source: (name) => ({ kind: 'query', name }), per: false },
  limit_by_consumer: { source: () => ({ kind: 'consumer' }), per: false },
  limit_by_cookie: { source: (name) => ({ kind: 'cookie', name }), per: false },
  limit_by_per_header: { source: (name) => ({ kind: 'header', name: name.toLowerCase() }), per: true },
  limit_by_per_param: { source: (name) => ({ kind: 'query', name }), per: true },
  limit_by_per_consumer: { source: () => ({ kind: 'consumer' }), per: true },
  limit_by_per_cookie: { source: (name) => ({ kind: 'cookie', name }), per: true },
  limit_by_per_ip: { source: ipSource, per: true },
};
const WINDOW_FIELDS: Record<string, { counts: Counts; windowMs: number }> = Object.fromEntries(
  Object.entries(WINDOWS).flatMap(([unit, ms]) => [
    [`token_per_${unit}`, { counts: 'tokens' as const, windowMs: ms }],
    [`query_per_${unit}`, { counts: 'requests' as const, windowMs: ms }],
  ]),
);

function ipSource(value: string): KeySource {
  if (value === 'from-remote-addr') return { kind: 'ip' };
  if (value.startsWith('from-header-') && value.length > 12) return { kind: 'ip-header', name: value.slice(12).toLowerCase() };
  throw new RangeError('from-header-<name> or from-remote-addr');
}

export const isHigressShape = (entry: Record<string, unknown>): boolean => 'rule_name' in entry || 'rule_items' in entry || 'global_threshold' in entry;

/** The one window field of `json` (a `limit_keys` entry or `global_threshold`), its kind of count checked against the entry's. */
function readWindow(json: Record<string, unknown>, path: string, kind: { counts?: Counts }): Allowance {
  const present = Object.keys(json).filter((k) => k in WINDOW_FIELDS);
  if (present.length !== 1) throw new ConfigError(path, json, `exactly one of ${Object.keys(WINDOW_FIELDS).join(', ')}`);
  const field = present[0]!;
  const { counts, windowMs } = WINDOW_FIELDS[field]!;
  if (kind.counts !== undefined && kind.counts !== counts) throw new ConfigError(fieldPath(path, field), json[field], `a ${kind.counts === 'tokens' ? 'token_per_*' : 'query_per_*'} field like the rest of this entry (tokens and queries are separate Higress plugins)`);
  kind.counts = counts;
  return { limit: readLimitValue(json, field, path), windowMs };
}

function readItem(item: unknown, path: string, kind: { counts?: Counts }) {
  if (!isJsonObject(item)) throw new ConfigError(path, item, 'a rule item object');
  const selectors = Object.keys(item).filter((k) => k in SELECTORS);
  if (selectors.length !== 1) throw new ConfigError(path, item, `exactly one of ${Object.keys(SELECTORS).join(', ')}`);
  for (const key of Object.keys(item)) {
    if (key !== selectors[0] && key !== 'limit_keys') throw new ConfigError(fieldPath(path, key), kindOnly(item[key]), `${selectors[0]} and limit_keys only`);
  }
  const selector = selectors[0]!;
  const { source, per } = SELECTORS[selector]!;
  const argument = selector.endsWith('consumer') ? '' : readString(item, selector, path, { nonEmpty: true });
  let by: KeySource;
  try {
    by = source(argument);
  } catch (error) {
    throw new ConfigError(fieldPath(path, selector), argument, (error as Error).message);
  }
  const keys = item.limit_keys;
  const at = fieldPath(path, 'limit_keys');
  if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(at, keys, 'a non-empty array of {key, <window field>}');
  const exact = new Map<string, Allowance>();
  const patterns: KeyPattern[] = [];
  let fallback: Allowance | undefined;
  keys.forEach((entry, j) => {
    const where = `${at}[${j}]`;
    if (!isJsonObject(entry)) throw new ConfigError(where, entry, 'an object {key, <window field>}');
    for (const field of Object.keys(entry)) if (field !== 'key' && !(field in WINDOW_FIELDS)) throw new ConfigError(fieldPath(where, field), kindOnly(entry[field]), `key and one of ${Object.keys(WINDOW_FIELDS).join(', ')}`);
    const key = readString(entry, 'key', where);
    const allowance = readWindow(entry, where, kind);
    if (!per) exact.set(key, allowance);
    else if (key === '*') fallback = allowance;
    else if (by.kind === 'ip' || by.kind === 'ip-header') {
      const cidr = parseCidr(key);
      if (!cidr) throw new ConfigError(fieldPath(where, 'key'), key, 'an IP address, an IP range (a.b.c.d/n, v6/n) or *');
      patterns.push({ kind: 'cidr', cidr, allowance });
    } else if (key.startsWith('regexp:')) {
      let re: RegExp;
      try {
        re = new RegExp(key.slice(7));
      } catch {
        throw new ConfigError(fieldPath(where, 'key'), key, 'a valid regular expression after regexp:');
      }
      patterns.push({ kind: 'regexp', re, allowance });
    } else throw new ConfigError(fieldPath(where, 'key'), key, `* or regexp:<pattern> (${selector} limits each value; limit_by_${selector.slice(13)} limits the listed values)`);
  });
  return { by, exact, patterns, fallback };
}

export function readHigressLimit(json: Record<string, unknown>, path: string): RateLimit[] {
  for (const key of Object.keys(json)) {
    if (!FIELDS.has(key)) throw new ConfigError(fieldPath(path, key), kindOnly(json[key]), `one of Higress's fields ${[...FIELDS].join(', ')}`);
  }
  const rule = readString(json, 'rule_name', path);
  if (!NAME.test(rule)) throw new ConfigError(fieldPath(path, 'rule_name'), rule, 'a name of 1 to 64 letters, digits, _, . or -');
  if ((json.global_threshold === undefined) === (json.rule_items === undefined)) throw new ConfigError(path, json, 'either global_threshold or rule_items (as Higress requires)');
  requireHigressBuild(fieldPath(path, 'redis'), json.redis, "a rate limit in Higress's shape (on Redis)");
  const redis = readRedisTarget(json.redis, fieldPath(path, 'redis'), true);
  const kind: { counts?: Counts } = {};
  const shapes: Array<{ name: string; by: KeySource; exact: Map<string, Allowance>; patterns: KeyPattern[]; fallback?: Allowance }> = [];
  if (json.global_threshold !== undefined) {
    if (!isJsonObject(json.global_threshold)) throw new ConfigError(fieldPath(path, 'global_threshold'), json.global_threshold, 'an object with one token_per_* or query_per_* field');
    shapes.push({ name: rule, by: { kind: 'global' }, exact: new Map(), patterns: [], fallback: readWindow(json.global_threshold, fieldPath(path, 'global_threshold'), kind) });
  } else {
    const items = json.rule_items;
    if (!Array.isArray(items) || items.length === 0) throw new ConfigError(fieldPath(path, 'rule_items'), items, 'a non-empty array of rule items');
    items.forEach((item, i) => shapes.push({ name: `${rule}.${i}`, ...readItem(item, `${fieldPath(path, 'rule_items')}[${i}]`, kind) }));
  }
  const counts = kind.counts!;
  const common = { ...readCommonOptions({ failureMode: json.failureMode, defaultMaxTokens: json.defaultMaxTokens ?? (counts === 'tokens' ? 0 : undefined) }, path, counts), showLimitHeaders: readBoolean(json, 'show_limit_quota_header', path, { default: false }) };
  const rejectedStatus = readNumber(json, 'rejected_code', path, { integer: true, min: 400, max: 599, default: 429 });
  const rejectedMessage = readString(json, 'rejected_msg', path, { default: 'Too many requests' });
  return shapes.map((shape) => ({ ...shape, counts, backend: 'redis', redis, ...common, skipWhenMissing: true, rejectedStatus, rejectedMessage }));
}
