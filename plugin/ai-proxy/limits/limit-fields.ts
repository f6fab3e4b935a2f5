/** Field readers both shapes of a rate limit share: names, limit values, key sources, and the options beside them. */
import { ConfigError, fieldPath, readBoolean, readNumber, readString } from '../../sdk/config/index.ts';
import type { KeySource, RateLimit } from './rate-limit.ts';

export const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_LIMIT = 1e15;
export const DEFAULT_MAX_TOKENS = 1024;
export const DEFAULT_LOCAL_KEYS = 1024;

const BY_PREFIX: Record<string, 'header' | 'query' | 'cookie' | 'ip-header'> = { header: 'header', query: 'query', cookie: 'cookie', ip: 'ip-header' };
const BY_WORD: Record<string, KeySource> = { consumer: { kind: 'consumer' }, ip: { kind: 'ip' }, route: { kind: 'route' }, model: { kind: 'model' }, global: { kind: 'global' } };
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BY_EXPECTED = 'one of consumer, ip, route, model, global, or header:<name>, query:<name>, cookie:<name>, ip:<header carrying the client address>';

export function readKeySource(value: string, at: string): KeySource {
  const word = BY_WORD[value];
  if (word) return word;
  const colon = value.indexOf(':');
  const kind = colon > 0 ? BY_PREFIX[value.slice(0, colon)] : undefined;
  const name = value.slice(colon + 1);
  if (!kind || name === '' || ((kind === 'header' || kind === 'ip-header') && !HEADER_NAME.test(name))) throw new ConfigError(at, value, BY_EXPECTED);
  return { kind, name: kind === 'header' || kind === 'ip-header' ? name.toLowerCase() : name };
}

export const readLimitValue = (json: Record<string, unknown>, field: string, path: string): number => readNumber(json, field, path, { integer: true, min: 0, max: MAX_LIMIT });

/** The options an entry of either shape may carry beside what it limits. */
export function readCommonOptions(json: Record<string, unknown>, path: string, counts: RateLimit['counts']) {
  if (counts === 'requests' && json.defaultMaxTokens !== undefined) throw new ConfigError(fieldPath(path, 'defaultMaxTokens'), json.defaultMaxTokens, 'no defaultMaxTokens on a limit that counts requests');
  if (counts === 'requests' && json.countCached !== undefined) throw new ConfigError(fieldPath(path, 'countCached'), json.countCached, 'no countCached on a limit that counts requests (cached answers count as requests)');
  return {
    skipWhenMissing: readBoolean(json, 'skipWhenMissing', path, { default: false }),
    failureMode: readString(json, 'failureMode', path, { oneOf: ['open', 'closed'], default: 'open' }) as RateLimit['failureMode'],
    showLimitHeaders: readBoolean(json, 'showLimitHeaders', path, { default: false }),
    defaultMaxTokens: readNumber(json, 'defaultMaxTokens', path, { integer: true, min: 0, max: 10_000_000, default: DEFAULT_MAX_TOKENS }),
    countCached: readBoolean(json, 'countCached', path, { default: false }),
    maxLocalKeys: readNumber(json, 'maxLocalKeys', path, { integer: true, min: 1, max: 65_536, default: DEFAULT_LOCAL_KEYS }),
  };
}

