/**
 * The static Envoy bootstrap the container worlds run: one listener per plugin configuration (a
 * scenario row, or the benchmark's ai-proxy and passthrough), each with its own Wasm VM (`vm_id`) so
 * no two share shared data or limits, the route named `ROUTE` to `UPSTREAM_CLUSTER` (the fake upstream
 * on the host), the cluster `REDIS_CLUSTER` (the Redis container), an access log line per request with
 * `%FILTER_STATE(wasm.ai_log:PLAIN)%` keyed by the `x-scenario-step` request header, and the admin
 * port for `/ready` and `/stats`. JSON, which Envoy reads as YAML.
 */
import { REDIS_CLUSTER, ROUTE, UPSTREAM_CLUSTER } from '../plugin/ai-proxy/test-support/scenarios.ts';

export const ADMIN_PORT = 9901;
export const FIRST_LISTENER_PORT = 10000;
export const PLUGIN_DIR = '/etc/e2e';
export const STEP_HEADER = 'x-scenario-step';
export const ACCESS_LOG_PREFIX = 'AILOG';

export interface ListenerSpec {
  /** The VM id (unique per listener). */
  id: string;
  /** The module file name inside `PLUGIN_DIR`. */
  module: string;
  /** The plugin configuration, passed as Higress passes it (a JSON string). */
  config: unknown;
}

export interface Endpoints {
  upstream: { host: string; port: number };
  redis?: { host: string; port: number };
}

const typed = (type: string, rest: object = {}) => ({ '@type': type, ...rest });

function cluster(name: string, host: string, port: number): object {
  return {
    name, type: 'STRICT_DNS', connect_timeout: '5s', dns_lookup_family: 'V4_ONLY',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }] },
  };
}

function listener(spec: ListenerSpec, port: number): object {
  return {
    name: `listener-${spec.id}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: typed('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
          stat_prefix: `ingress_${spec.id}`,
          access_log: [{
            name: 'envoy.access_loggers.stdout',
            typed_config: typed('type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', {
              log_format: { text_format_source: { inline_string: `${ACCESS_LOG_PREFIX} %REQ(${STEP_HEADER.toUpperCase()})% %FILTER_STATE(wasm.ai_log:PLAIN)%\n` } },
            }),
          }],
          route_config: {
            name: `routes-${spec.id}`,
            virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ name: ROUTE, match: { prefix: '/' }, route: { cluster: UPSTREAM_CLUSTER, timeout: '0s' } }] }],
          },
          http_filters: [
            {
              name: 'envoy.filters.http.wasm',
              typed_config: typed('type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm', {
                config: {
                  name: spec.id,
                  root_id: '',
                  configuration: typed('type.googleapis.com/google.protobuf.StringValue', { value: JSON.stringify(spec.config) }),
                  vm_config: { vm_id: spec.id, runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: `${PLUGIN_DIR}/${spec.module}` } } },
                },
              }),
            },
            { name: 'envoy.filters.http.router', typed_config: typed('type.googleapis.com/envoy.extensions.filters.http.router.v3.Router') },
          ],
        }),
      }],
    }],
  };
}

/** The listener port of the `index`-th listener. */
export const listenerPort = (index: number): number => FIRST_LISTENER_PORT + index;

export function envoyBootstrap(listeners: ListenerSpec[], endpoints: Endpoints): string {
  const clusters = [cluster(UPSTREAM_CLUSTER, endpoints.upstream.host, endpoints.upstream.port)];
  if (endpoints.redis) clusters.push(cluster(REDIS_CLUSTER, endpoints.redis.host, endpoints.redis.port));
  return JSON.stringify({
    admin: { address: { socket_address: { address: '0.0.0.0', port_value: ADMIN_PORT } } },
    static_resources: { listeners: listeners.map((spec, i) => listener(spec, listenerPort(i))), clusters },
  }, null, 1);
}

/** The `wasm.ai_log` of the request with `step` in its `x-scenario-step` header, from Envoy's access log output. */
export function aiLogOf(output: string, step: string): Record<string, unknown> | undefined | null {
  const line = output.split('\n').find((l) => l.startsWith(`${ACCESS_LOG_PREFIX} ${step} `));
  if (line === undefined) return null;
  const value = line.slice(ACCESS_LOG_PREFIX.length + step.length + 2).trim();
  return value === '-' || value === '' ? undefined : (JSON.parse(value) as Record<string, unknown>);
}

/**
 * A counter from Envoy's `/stats?format=json`: custom Wasm metrics carry a prefix (`wasmcustom.`), so
 * the plugin's name is matched at the end; the histograms entry at the end of the list has no name.
 */
export function counterOf(stats: { stats?: Array<{ name?: string; value?: number }> }, name: string): number | undefined {
  const found = stats.stats?.find((s) => typeof s.name === 'string' && (s.name === name || s.name.endsWith(`.${name}`)));
  return found?.value;
}
