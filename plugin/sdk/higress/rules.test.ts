/**
 * Higress rule sets: global config presence, rule order, each matcher kind, rule fields merged over the
 * global ones, `_plugin_id_`, and the exact configuration error messages.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, readNumber, readString } from '../config/index.ts';
import { matchesDomain, matchesService, parseRuleSet, selectRule, type RequestFacts } from './rules.ts';

const seen: Array<[Record<string, unknown>, string]> = [];
function parse(json: Record<string, unknown>, path: string) {
  seen.push([json, path]);
  const provider = readString(json, 'provider', path, { default: 'none' });
  return { provider, timeout: readNumber(json, 'timeout', path, { default: 5, integer: true }) };
}
const rules = (json: unknown) => parseRuleSet(JSON.stringify(json), parse);
const pick = (json: unknown, facts: RequestFacts) => selectRule(rules(json), facts)?.provider;

function errorOf(raw: string): string {
  try {
    parseRuleSet(raw, parse);
  } catch (error) {
    return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`;
  }
  return 'no error';
}

describe('global configuration', () => {
  it('applies a config without rules to every request', () => {
    const set = rules({ provider: 'a', timeout: 7 });
    expect(set).toEqual({ global: { provider: 'a', timeout: 7 }, rules: [] });
    expect(selectRule(set, { authority: 'x.com', routeName: 'r', clusterName: 'outbound|80||s' })?.provider).toBe('a');
  });
  it('treats an empty configuration as enabled globally', () => {
    for (const raw of ['', '  \n\t', '{}', '{"_plugin_id_": "p1"}']) {
      seen.length = 0;
      expect(parseRuleSet(raw, parse)).toEqual({ global: { provider: 'none', timeout: 5 }, rules: [] });
      expect(seen).toEqual([[{}, '']]);
    }
  });
  it('has no global config when only _rules_ is given, so unmatched requests pass through', () => {
    const rule = { _match_domain_: ['a.com'], provider: 'r' };
    for (const json of [{ _rules_: [rule] }, { _plugin_id_: 'p', _rules_: [rule] }]) {
      const set = rules(json);
      expect('global' in set).toBe(false);
      expect(selectRule(set, { authority: 'a.com' })?.provider).toBe('r');
      expect(selectRule(set, { authority: 'b.com' })).toBeUndefined();
    }
  });
  it('keeps the global config beside rules, and allows an empty rule list then', () => {
    const set = rules({ provider: 'g', _rules_: [{ _match_route_: ['r1'], provider: 'r' }] });
    expect(selectRule(set, { routeName: 'r2' })?.provider).toBe('g');
    expect(rules({ provider: 'g', _rules_: [] })).toEqual({ global: { provider: 'g', timeout: 5 }, rules: [] });
  });
});

describe('rule selection', () => {
  const config = { provider: 'global', _rules_: [
      { _match_domain_: ['a.com'], provider: 'first' }, { _match_route_: ['r1'], provider: 'second' },
      { _match_domain_: ['*.com'], provider: 'third' }, { _match_route_prefix_: ['team-'], provider: 'fourth' },
      { _match_service_: ['llm.ns.svc.cluster.local:443'], provider: 'fifth' } ] };
  it('takes the first matching rule in order, else the global config', () => {
    expect(pick(config, { authority: 'a.com', routeName: 'r1' })).toBe('first');
    expect(pick(config, { authority: 'b.com', routeName: 'r1' })).toBe('second');
    expect(pick(config, { authority: 'b.com', routeName: 'team-x' })).toBe('third');
    expect(pick(config, { authority: 'b.org', routeName: 'team-x' })).toBe('fourth');
    expect(pick(config, { authority: 'b.org', clusterName: 'outbound|443||llm.ns.svc.cluster.local' })).toBe('fifth');
    expect(pick(config, { authority: 'b.org', routeName: 'r2', clusterName: 'outbound|80||llm.ns.svc.cluster.local' })).toBe('global');
    expect(pick(config, {})).toBe('global');
  });
  it('matches routes exactly and route prefixes by prefix', () => {
    const json = { _rules_: [{ _match_route_: ['ns/chat'], provider: 'exact' }, { _match_route_prefix_: ['ns/'], provider: 'prefix' }] };
    expect(pick(json, { routeName: 'ns/chat' })).toBe('exact');
    expect(pick(json, { routeName: 'ns/chat2' })).toBe('prefix');
    expect(pick(json, { routeName: 'other/ns/chat' })).toBeUndefined();
  });
  it('requires both route and service when a rule has both, and ignores domains beside a route (wasm-go categories)', () => {
    const json = { _rules_: [{ _match_route_: ['r'], _match_service_: ['svc'], _match_domain_: ['a.com'], provider: 'both' }] };
    expect(pick(json, { routeName: 'r', clusterName: 'outbound|80||svc' })).toBe('both');
    expect(pick(json, { routeName: 'r', clusterName: 'outbound|80||other', authority: 'a.com' })).toBeUndefined();
    expect(pick(json, { authority: 'a.com', clusterName: 'outbound|80||svc' })).toBeUndefined();
  });
  it('reads only the request facts a rule needs', () => {
    const reads: string[] = [];
    const fact = (name: string, value: string) => ({ get: () => (reads.push(name), value), enumerable: true });
    const facts: RequestFacts = Object.defineProperties({}, { authority: fact('authority', 'x.com'), routeName: fact('routeName', 'r'), clusterName: fact('clusterName', 'outbound|80||s') });
    expect(selectRule(rules({ _rules_: [{ _match_domain_: ['*.com'] }] }), facts)).toBeDefined();
    expect(reads).toEqual(['authority']);
  });
});

describe('matchers', () => {
  const domains = (pattern: string, hosts: string[]) => hosts.map((host) => matchesDomain(pattern, host));
  const services = (entries: string[], cluster: string) => entries.map((entry) => matchesService(entry, cluster));
  it('match domains exactly, ignoring the port and case', () => {
    const hosts = ['api.example.com', 'api.example.com:8443', 'API.Example.com', 'www.example.com', 'example.com'];
    expect(domains('api.example.com', hosts)).toEqual([true, true, true, false, false]);
    expect(domains('[::1]', ['[::1]:8080', '[::1]', '[::2]'])).toEqual([true, true, false]);
  });
  it('match *.domain as a suffix and domain* as a prefix', () => {
    expect(domains('*.example.com', ['a.b.example.com:80', 'example.com', 'a.example.com.evil.org'])).toEqual([true, false, false]);
    expect(domains('api*', ['api-2.internal:8080', 'api', 'myapi.internal'])).toEqual([true, true, false]);
  });
  it('match services by fqdn, or fqdn and port, against outbound|port||fqdn', () => {
    const fqdn = 'llm.default.svc.cluster.local';
    expect(services([fqdn, `${fqdn}:8080`, `${fqdn}:9090`, 'other.default.svc.cluster.local'], `outbound|8080||${fqdn}`)).toEqual([true, true, false, false]);
    expect([...services([fqdn], fqdn), ...services([fqdn], `outbound|8080||${fqdn}|x`)]).toEqual([false, false]);
    expect(services(['llm.dns', 'llm.dns:443'], 'outbound|443||llm.dns')).toEqual([true, true]);
  });
});

describe('rule configuration', () => {
  it('merges rule fields over the global fields without match keys or _plugin_id_', () => {
    seen.length = 0;
    const set = rules({ provider: 'g', timeout: 9, _plugin_id_: 'p', _rules_: [{ _match_route_: ['r'], _plugin_id_: 'q', provider: 'r' }, { _match_domain_: ['d'], timeout: 1 }] });
    expect(set.global).toEqual({ provider: 'g', timeout: 9 });
    expect(set.rules.map((rule) => [rule.index, rule.config])).toEqual([[0, { provider: 'r', timeout: 9 }], [1, { provider: 'g', timeout: 1 }]]);
    expect(set.rules[0]).toMatchObject({ routes: ['r'], domains: [], services: [], routePrefixes: [] });
    const jsons = [{ provider: 'g', timeout: 9 }, { provider: 'r', timeout: 9 }, { provider: 'g', timeout: 1 }];
    expect(seen).toEqual([[jsons[0], ''], [jsons[1], '_rules_[0]'], [jsons[2], '_rules_[1]']]);
  });
  it('rethrows the error of the plugin parser unchanged', () => {
    expect(errorOf('{"_rules_":[{"_match_route_":["r"]},{"_match_route_":["s"],"timeout":1.5}]}')).toBe('_rules_[1].timeout: expected an integer, got 1.5');
    expect(errorOf('{"provider":3}')).toBe('provider: expected a string, got 3');
    const own = new ConfigError('x', 1, 'y');
    expect(() => parseRuleSet('{}', () => { throw own; })).toThrow(own);
  });
});

describe('configuration errors', () => {
  const keys = '_match_route_, _match_domain_, _match_service_, _match_route_prefix_';
  it.each([
    ['{"provider": ', 'configuration: expected a JSON object, got text that is not valid JSON (13 characters, not shown)'],
    [`{${'x'.repeat(200)}`, 'configuration: expected a JSON object, got text that is not valid JSON (201 characters, not shown)'],
    ['[1,2]', 'configuration: expected a JSON object, got an array of 2 entries'],
    [`{"a":${'['.repeat(129)}${']'.repeat(129)}}`, 'configuration: expected a JSON object nested at most 128 levels deep, got arrays and objects nested deeper than 128 levels'],
    [`{"a":${'['.repeat(20000)}`, 'configuration: expected a JSON object nested at most 128 levels deep, got arrays and objects nested deeper than 128 levels'],
    ['null', 'configuration: expected a JSON object, got null'],
    ['{"_rules_":{"a":1}}', '_rules_: expected an array of rule objects, got an object with field a'],
    ['{"_rules_":[]}', '_rules_: expected at least one rule when there are no global fields, got an empty array'],
    ['{"_rules_":[{"_match_route_":["r"]},"x"]}', '_rules_[1]: expected an object, got "x"'],
    ['{"_rules_":[{"provider":"b"}]}', `_rules_[0]: expected an object with at least one of ${keys}, got an object with field provider`],
    ['{"_rules_":[{"_match_domain_":[]}]}', '_rules_[0]._match_domain_: expected a non-empty array of strings, got an empty array'],
    ['{"_rules_":[{"_match_route_":"r1"}]}', '_rules_[0]._match_route_: expected a non-empty array of strings, got "r1"'],
    ['{"_rules_":[{"_match_route_prefix_":null}]}', '_rules_[0]._match_route_prefix_: expected a non-empty array of strings, got null'],
    ['{"_rules_":[{"_match_route_":["r"]},{"_match_domain_":[5]}]}', '_rules_[1]._match_domain_[0]: expected a non-empty string, got 5'],
    ['{"_rules_":[{"_match_service_":["s",""]}]}', '_rules_[0]._match_service_[1]: expected a non-empty string, got ""'],
  ])('rejects %s', (raw, message) => expect(errorOf(raw)).toBe(message));
});
