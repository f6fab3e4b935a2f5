/**
 * The bootstrap the container worlds run, checked without Docker: a listener per configuration on its
 * own VM, the route name and cluster the scenario table assumes, the ai_log access-log line and how
 * it is read back, Redis only when asked for, and counters found under Envoy's `wasmcustom.` prefix.
 */
import { describe, expect, it } from 'vitest';
import { REDIS_CLUSTER, ROUTE, SCENARIOS, UPSTREAM_CLUSTER } from '../plugin/ai-proxy/test-support/scenarios.ts';
import { ACCESS_LOG_PREFIX, aiLogOf, counterOf, envoyBootstrap, listenerPort } from './envoy-bootstrap.ts';

type Json = Record<string, any>;

describe('envoy bootstrap', () => {
  const listeners = SCENARIOS.map((s, i) => ({ id: `scenario-${i}`, module: 'ai-proxy.wasm', config: s.config }));
  const bootstrap = JSON.parse(envoyBootstrap(listeners, { upstream: { host: 'host.testcontainers.internal', port: 4321 }, redis: { host: 'redis', port: 6379 } })) as Json;

  it('has one listener per configuration, each on its own VM with its configuration as a string', () => {
    const all = bootstrap.static_resources.listeners as Json[];
    expect(all.map((l) => l.address.socket_address.port_value)).toEqual(listeners.map((_, i) => listenerPort(i)));
    const manager = (l: Json) => l.filter_chains[0].filters[0].typed_config;
    const wasm = (l: Json) => manager(l).http_filters[0].typed_config.config;
    expect(new Set(all.map((l) => wasm(l).vm_config.vm_id)).size).toBe(all.length);
    all.forEach((l, i) => {
      expect(JSON.parse(wasm(l).configuration.value)).toEqual(SCENARIOS[i]!.config);
      expect(wasm(l).vm_config.code.local.filename).toBe('/etc/e2e/ai-proxy.wasm');
      expect(manager(l).route_config.virtual_hosts[0].routes[0]).toMatchObject({ name: ROUTE, route: { cluster: UPSTREAM_CLUSTER } });
      expect(manager(l).access_log[0].typed_config.log_format.text_format_source.inline_string).toBe(`${ACCESS_LOG_PREFIX} %REQ(X-SCENARIO-STEP)% %FILTER_STATE(wasm.ai_log:PLAIN)%\n`);
      expect(manager(l).http_filters[1].name).toBe('envoy.filters.http.router');
    });
    expect((bootstrap.static_resources.clusters as Json[]).map((c) => [c.name, c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address])).toEqual([
      [UPSTREAM_CLUSTER, { address: 'host.testcontainers.internal', port_value: 4321 }],
      [REDIS_CLUSTER, { address: 'redis', port_value: 6379 }],
    ]);
    const noRedis = JSON.parse(envoyBootstrap(listeners.slice(0, 1), { upstream: { host: 'h', port: 1 } })) as Json;
    expect(noRedis.static_resources.clusters).toHaveLength(1);
  });

  it('reads the ai_log of a step back from the access log, and counters under the wasmcustom prefix', () => {
    const output = `[warn] something\n${ACCESS_LOG_PREFIX} 1-0-5 {"api":"chat","status":200}\n${ACCESS_LOG_PREFIX} 1-1-6 -\n`;
    expect(aiLogOf(output, '1-0-5')).toEqual({ api: 'chat', status: 200 });
    expect(aiLogOf(output, '1-1-6')).toBeUndefined();
    expect(aiLogOf(output, '1-2-7')).toBeNull();
    const stats = { stats: [{ name: 'wasmcustom.ai_proxy.route.ai-route.model.m.requests', value: 3 }, { name: 'cluster.x.upstream_rq', value: 9 }, { histograms: { supported_quantiles: [] } } as { name?: string }] };
    expect(counterOf(stats, 'ai_proxy.route.ai-route.model.m.requests')).toBe(3);
    expect(counterOf(stats, 'ai_proxy.route.other.requests')).toBeUndefined();
  });
});
