/**
 * `rateLimits` parsing: entries pasted from Higress's `cluster-key-rate-limit` and `ai-token-ratelimit`
 * become the same limits as their native equivalents (Higress's defaults: Redis, port 80 for `.static`,
 * keys without a value skipped, `Too many requests`); every rejection names the field, the value and
 * the expected form, and a password is never shown. Runs on the source with the Higress build's target.
 */
import { describe, expect, it } from 'vitest';

(globalThis as unknown as { __host: Record<number, unknown> }).__host = { 50: () => 1 };
const { readLimitsConfig: readLimits } = await import('./limit-config.ts');
const { readRedisTarget } = await import('../redis/redis-target.ts');
const readLimitsConfig = (json: Record<string, unknown>, path: string) => readLimits(json, path, json.redis === undefined ? undefined : readRedisTarget(json.redis, 'redis', false));
const { ConfigError } = await import('../../sdk/config/index.ts');

const REDIS = { serviceName: 'redis.static' };
const native = (entries: object[]) => readLimitsConfig({ redis: REDIS, rateLimits: entries }, '').rateLimits;
const higress = (entry: object) => readLimitsConfig({ rateLimits: [entry] }, '').rateLimits;
const HIGRESS_REDIS = { service_name: 'redis.static' };

function errorOf(json: Record<string, unknown>): string {
  try {
    readLimitsConfig(json, '');
  } catch (error) {
    return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`;
  }
  return 'no error';
}

describe("Higress's shapes parse to the native limits", () => {
  it('cluster-key-rate-limit: limit_by_header with listed keys', () => {
    const pasted = higress({ rule_name: 'keys', rule_items: [{ limit_by_header: 'X-Api-Key', limit_keys: [{ key: 'k1', query_per_minute: 10 }, { key: 'k2', query_per_minute: 20 }] }], redis: HIGRESS_REDIS });
    const written = native([{ name: 'keys.0', counts: 'requests', window: 'minute', by: 'header:x-api-key', keys: { k1: 10, k2: 20 }, backend: 'redis', skipWhenMissing: true }]);
    expect(pasted).toEqual(written.map((l) => ({ ...l, rejectedMessage: 'Too many requests' })));
    expect(pasted[0]!.redis).toEqual({ cluster: 'outbound|80||redis.static', username: '', password: '', timeoutMs: 1000, database: 0 });
    expect(pasted[0]!.fallback).toBeUndefined();
  });

  it('ai-token-ratelimit: global_threshold, rejected_code and rejected_msg', () => {
    const pasted = higress({ rule_name: 'tpm', global_threshold: { token_per_minute: 1000 }, rejected_code: 403, rejected_msg: 'over', redis: { ...HIGRESS_REDIS, service_port: 6379, timeout: 500, database: 2, password: 'p' } });
    const written = readLimitsConfig({ redis: { serviceName: 'redis.static', servicePort: 6379, timeout: 500, database: 2, password: 'p' }, rateLimits: [{ name: 'tpm', counts: 'tokens', window: 'minute', limit: 1000, backend: 'redis', skipWhenMissing: true, defaultMaxTokens: 0 }] }, '').rateLimits;
    expect(pasted).toEqual(written.map((l) => ({ ...l, rejectedStatus: 403, rejectedMessage: 'over' })));
  });

  it('limit_by_per_consumer with * is the native per-consumer limit; regexp keys and IP ranges become patterns', () => {
    const pasted = higress({
      rule_name: 'r',
      rule_items: [
        { limit_by_per_consumer: '', limit_keys: [{ key: '*', query_per_hour: 5000 }] },
        { limit_by_per_param: 'apikey', limit_keys: [{ key: 'regexp:^a', query_per_second: 2 }, { key: '*', query_per_day: 100 }] },
        { limit_by_per_ip: 'from-header-x-real-ip', limit_keys: [{ key: '10.0.0.0/8', query_per_minute: 7 }, { key: '2001:db8::1', query_per_minute: 8 }] },
      ],
      redis: HIGRESS_REDIS,
    });
    expect(pasted).toHaveLength(3);
    const [consumer, param, ip] = pasted;
    expect(consumer).toEqual({ ...native([{ name: 'r.0', counts: 'requests', window: 'hour', limit: 5000, by: 'consumer', backend: 'redis', skipWhenMissing: true }])[0], rejectedMessage: 'Too many requests' });
    expect(param).toMatchObject({ counts: 'requests', by: { kind: 'query', name: 'apikey' }, fallback: { limit: 100, windowMs: 86_400_000 } });
    expect(param!.patterns).toEqual([{ kind: 'regexp', re: /^a/, allowance: { limit: 2, windowMs: 1000 } }]);
    expect(ip).toMatchObject({ by: { kind: 'ip-header', name: 'x-real-ip' } });
    expect(ip!.patterns.map((p) => p.kind === 'cidr' && [p.cidr.prefix, p.allowance.limit])).toEqual([[104, 7], [128, 8]]);
  });
});

describe('native entries', () => {
  it('take defaults: by global, backend local, failureMode open, 1024 default tokens and local keys', () => {
    expect(readLimitsConfig({ rateLimits: [{ name: 'a', counts: 'tokens', window: 'second', limit: 3 }] }, '').rateLimits[0]).toEqual({
      name: 'a', counts: 'tokens', by: { kind: 'global' }, exact: new Map(), patterns: [], fallback: { limit: 3, windowMs: 1000 }, backend: 'local', redis: undefined,
      skipWhenMissing: false, failureMode: 'open', showLimitHeaders: false, defaultMaxTokens: 1024, countCached: false, maxLocalKeys: 1024, rejectedStatus: 429,
    });
  });

  it.each([
    [{ rateLimits: {} }, 'rateLimits: expected an array of rate limits, got an empty object'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'week', limit: 1 }] }, 'rateLimits[0].window: expected one of "second", "minute", "hour", "day", got "week"'],
    [{ rateLimits: [{ name: 'a', counts: 'calls', window: 'minute', limit: 1 }] }, 'rateLimits[0].counts: expected one of "requests", "tokens", got "calls"'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: -1 }] }, 'rateLimits[0].limit: expected an integer from 0 to 1000000000000000, got -1'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute' }] }, 'rateLimits[0].limit: expected an integer from 0 to 1000000000000000, got nothing'],
    [{ rateLimits: [{ name: 'a b', counts: 'requests', window: 'minute', limit: 1 }] }, 'rateLimits[0].name: expected a name of 1 to 64 letters, digits, _, . or -, got "a b"'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: 1, by: 'header:' }] }, 'rateLimits[0].by: expected one of consumer, ip, route, model, global, or header:<name>, query:<name>, cookie:<name>, ip:<header carrying the client address>, got "header:"'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: 1, backend: 'redis' }] }, 'rateLimits[0].backend: expected "local", or a top-level "redis" block naming the server (serviceName, servicePort, …), got "redis"'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: 1, defaultMaxTokens: 5 }] }, 'rateLimits[0].defaultMaxTokens: expected no defaultMaxTokens on a limit that counts requests, got 5'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: 1, keys: { vip: 'x' } }] }, 'rateLimits[0].keys.vip: expected an integer from 0 to 1000000000000000, got "x"'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: 1, burst: 2 }] }, 'rateLimits[0].burst: expected one of the fields name, counts, window, limit, by, keys, backend, skipWhenMissing, failureMode, showLimitHeaders, defaultMaxTokens, countCached, maxLocalKeys (or an entry in Higress\'s shape, with rule_name), got 2'],
    [{ rateLimits: [{ name: 'a', counts: 'requests', window: 'minute', limit: 1 }, { name: 'a', counts: 'tokens', window: 'hour', limit: 1 }] }, 'rateLimits: expected limits with names no other limit in the list uses, got "a"'],
    [{ redis: { serviceName: 'redis.static', password: 12345678 } }, 'redis.password: expected a string, got a number (not shown)'],
    [{ redis: { serviceName: 'redis static' } }, 'redis.serviceName: expected a service name such as redis.static or redis.default.svc.cluster.local, got "redis static"'],
    [{ redis: { serviceName: 'r.static', servicePort: 70000 } }, 'redis.servicePort: expected an integer from 1 to 65535, got 70000'],
  ])('%j → %s', (json, message) => {
    expect(errorOf(json as Record<string, unknown>)).toBe(message);
  });
});

describe("Higress's shape: rejections", () => {
  const entry = (extra: object) => ({ rateLimits: [{ rule_name: 'r', redis: HIGRESS_REDIS, ...extra }] });
  it.each([
    [entry({}), 'rateLimits[0]: expected either global_threshold or rule_items (as Higress requires), got an object with fields rule_name, redis'],
    [entry({ global_threshold: { token_per_minute: 1, query_per_minute: 2 } }), 'rateLimits[0].global_threshold: expected exactly one of token_per_second, query_per_second, token_per_minute, query_per_minute, token_per_hour, query_per_hour, token_per_day, query_per_day, got an object with fields token_per_minute, query_per_minute'],
    [entry({ rule_items: [{ limit_by_header: 'a', limit_keys: [{ key: 'x', token_per_minute: 1 }] }, { limit_by_header: 'b', limit_keys: [{ key: 'y', query_per_minute: 1 }] }] }), 'rateLimits[0].rule_items[1].limit_keys[0].query_per_minute: expected a token_per_* field like the rest of this entry (tokens and queries are separate Higress plugins), got 1'],
    [entry({ rule_items: [{ limit_by_per_header: 'a', limit_keys: [{ key: 'plain', query_per_minute: 1 }] }] }), 'rateLimits[0].rule_items[0].limit_keys[0].key: expected * or regexp:<pattern> (limit_by_per_header limits each value; limit_by_header limits the listed values), got "plain"'],
    [entry({ rule_items: [{ limit_by_per_header: 'a', limit_keys: [{ key: 'regexp:(', query_per_minute: 1 }] }] }), 'rateLimits[0].rule_items[0].limit_keys[0].key: expected a valid regular expression after regexp:, got "regexp:("'],
    [entry({ rule_items: [{ limit_by_per_ip: 'from-header-x', limit_keys: [{ key: '10.0.0.0/33', query_per_minute: 1 }] }] }), 'rateLimits[0].rule_items[0].limit_keys[0].key: expected an IP address, an IP range (a.b.c.d/n, v6/n) or *, got "10.0.0.0/33"'],
    [entry({ rule_items: [{ limit_by_per_ip: 'from-somewhere', limit_keys: [{ key: '*', query_per_minute: 1 }] }] }), 'rateLimits[0].rule_items[0].limit_by_per_ip: expected from-header-<name> or from-remote-addr, got "from-somewhere"'],
    [entry({ rule_items: [{ limit_by_header: 'a', limit_by_param: 'b', limit_keys: [] }] }), 'rateLimits[0].rule_items[0]: expected exactly one of limit_by_header, limit_by_param, limit_by_consumer, limit_by_cookie, limit_by_per_header, limit_by_per_param, limit_by_per_consumer, limit_by_per_cookie, limit_by_per_ip, got an object with fields limit_by_header, limit_by_param, limit_keys'],
    [entry({ global_threshold: { query_per_minute: 1 }, rejected_code: 200 }), 'rateLimits[0].rejected_code: expected an integer from 400 to 599, got 200'],
    [{ rateLimits: [{ rule_name: 'r', global_threshold: { query_per_minute: 1 }, redis: { service_name: 'r.static', password: 'Sup3rSecretPassw0rdXyz' }, extra: 1 }] }, "rateLimits[0].extra: expected one of Higress's fields rule_name, global_threshold, rule_items, rejected_code, rejected_msg, show_limit_quota_header, redis, failureMode, defaultMaxTokens, got 1"],
    [{ rateLimits: [{ rule_name: 'r', global_threshold: { query_per_minute: 1 }, redis: { service_name: 'r.static', password: ['Sup3rSecretPassw0rdXyz'] } }] }, 'rateLimits[0].redis.password: expected a string, got an array (not shown)'],
  ])('%j → %s', (json, message) => {
    const text = errorOf(json as Record<string, unknown>);
    expect(text).toBe(message);
    expect(text).not.toContain('Sup3rSecret');
  });
});
