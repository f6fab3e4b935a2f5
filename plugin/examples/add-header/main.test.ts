/**
 * add-header on both engines: the global value, `_rules_` by domain (authority with a port), route and
 * service with the first match winning, rule-only configurations that let unmatched requests pass
 * untouched, and bad configurations refused at start with one log line naming the field.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHost, PluginLoadError, type HostOptions } from '../../../harness/src/index.ts';
import { LogStore, type LogEntry } from '../../../harness/src/state/logs.ts';
import { buildPlugin, MODES, pluginSource, type BuiltPlugin } from '../../test-support/build-plugin.ts';

const SERVICE = 'outbound|8080||svc.ns.svc.cluster.local';
const RULES = {
  header: 'X-Env',
  value: 'global',
  _rules_: [
    { _match_domain_: ['*.dev.example.com', 'exact.example.com'], value: 'domain' },
    { _match_route_: ['r1'], value: 'route' },
    { _match_service_: ['svc.ns.svc.cluster.local:8080'], value: 'service' },
  ],
};

let plugin: BuiltPlugin;
beforeAll(async () => {
  plugin = await buildPlugin(new URL('./main.ts', import.meta.url).pathname);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(MODES)('add-header (%s)', (mode) => {
  const start = (pluginConfig: object, extra: Partial<HostOptions> = {}) =>
    createHost({ ...pluginSource(plugin, mode), pluginConfig, ...extra });

  /** Sends a GET with `authority` and returns the request headers as the upstream would receive them. */
  async function forwarded(options: Partial<HostOptions>, pluginConfig: object, authority: string, extra: Record<string, string> = {}) {
    const host = await start(pluginConfig, options);
    const stream = host.newHttpStream();
    stream.sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': authority, ...extra }, true);
    expect(stream.upstream.ended).toBe(true);
    expect(stream.localReply).toBeUndefined();
    return stream.upstream.headers!;
  }
  const valueOf = (headers: Array<[string, string]>) => headers.filter(([k]) => k === 'x-env').map(([, v]) => v);

  it('adds the configured header (name lower-cased) and replaces a value the client sent', async () => {
    const config = { header: 'X-Env', value: 'prod' };
    expect(valueOf(await forwarded({}, config, 'example.com'))).toEqual(['prod']);
    expect(valueOf(await forwarded({}, config, 'example.com', { 'x-env': 'spoofed' }))).toEqual(['prod']);
  });

  it('matches _match_domain_ on the authority without its port, case-insensitively', async () => {
    expect(valueOf(await forwarded({}, RULES, 'api.dev.example.com:8443'))).toEqual(['domain']);
    expect(valueOf(await forwarded({}, RULES, 'EXACT.example.com:80'))).toEqual(['domain']);
    expect(valueOf(await forwarded({}, RULES, 'dev.example.com'))).toEqual(['global']);
    expect(valueOf(await forwarded({}, RULES, 'exact.example.com.evil'))).toEqual(['global']);
  });

  it('matches _match_route_ on route_name and _match_service_ on cluster_name', async () => {
    expect(valueOf(await forwarded({ properties: { route_name: 'r1' } }, RULES, 'other.com'))).toEqual(['route']);
    expect(valueOf(await forwarded({ properties: { route_name: 'r2' } }, RULES, 'other.com'))).toEqual(['global']);
    expect(valueOf(await forwarded({ properties: { cluster_name: SERVICE } }, RULES, 'other.com'))).toEqual(['service']);
    const otherPort = { properties: { cluster_name: 'outbound|9090||svc.ns.svc.cluster.local' } };
    expect(valueOf(await forwarded(otherPort, RULES, 'other.com'))).toEqual(['global']);
  });

  it('applies the first matching rule in order', async () => {
    const all = { properties: { route_name: 'r1', cluster_name: SERVICE } };
    expect(valueOf(await forwarded(all, RULES, 'api.dev.example.com:8443'))).toEqual(['domain']);
    expect(valueOf(await forwarded(all, RULES, 'other.com'))).toEqual(['route']);
    const reversed = { ...RULES, _rules_: [...RULES._rules_].reverse() };
    expect(valueOf(await forwarded(all, reversed, 'api.dev.example.com:8443'))).toEqual(['service']);
  });

  it('lets unmatched requests pass untouched when the configuration has only _rules_', async () => {
    const config = { _rules_: [{ _match_domain_: ['match.example.com'], header: 'x-env', value: 'ruled' }] };
    const host = await start(config, { properties: { route_name: 'r1', cluster_name: SERVICE } });
    const sent = { ':method': 'GET', ':path': '/p', ':authority': 'other.com', 'x-keep': '1' };
    const passed = host.newHttpStream();
    passed.sendRequestHeaders(sent, true);
    expect(passed.upstream.headers!.filter(([k]) => !['x-request-id', 'x-forwarded-proto', ':scheme'].includes(k))).toEqual(
      Object.entries(sent),
    );
    const matched = host.newHttpStream();
    matched.sendRequestHeaders({ ...sent, ':authority': 'match.example.com:443' }, true);
    expect(matched.upstream.header('x-env')).toBe('ruled');
  });

  describe('refuses a bad configuration with one line naming the field', () => {
    const cases: Array<[string, object, string]> = [
      ['empty header', { header: '', value: 'v' }, 'header: expected a non-empty string, got ""'],
      ['numeric header', { header: 5, value: 'v' }, 'header: expected a non-empty string, got 5'],
      ['missing value', { header: 'x-env' }, 'value: expected a string, got nothing'],
      [
        'rule without match keys',
        { header: 'x-env', value: 'v', _rules_: [{ value: 'w' }] },
        '_rules_[0]: expected an object with at least one of _match_route_, _match_domain_, _match_service_, _match_route_prefix_, got an object with field value',
      ],
      ['bad field in a rule', { header: 'x-env', value: 'v', _rules_: [{ _match_domain_: ['a.com'] }, { _match_route_: ['r'], header: 7 }] }, '_rules_[1].header: expected a non-empty string, got 7'],
      ['bad match list', { header: 'x-env', value: 'v', _rules_: [{ _match_domain_: ['a.com', ''] }] }, '_rules_[0]._match_domain_[1]: expected a non-empty string, got ""'],
    ];

    it.each(cases)('%s', async (_name, config, detail) => {
      const entries: LogEntry[] = [];
      const add = LogStore.prototype.add;
      vi.spyOn(LogStore.prototype, 'add').mockImplementation(function (this: LogStore, entry: LogEntry) {
        entries.push(entry);
        add.call(this, entry);
      });
      const error = await start(config).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PluginLoadError);
      expect((error as PluginLoadError).reason).toMatch(/proxy_on_configure returned false/);
      expect(entries.filter((e) => e.source === 'plugin').map((e) => `${e.level} ${e.message}`)).toEqual([
        `error invalid plugin configuration: ${detail}`,
      ]);
    });
  });
});
