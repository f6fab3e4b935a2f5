/**
 * One container world for the end-to-end runs, with testcontainers: a gateway image (Envoy 1.27 as
 * Higress 2.0/2.1 ship it, a current Envoy, or Higress's own gateway image, whose Envoy runs the static
 * bootstrap directly) loading its target's module, a Redis container on a shared network, and the fake
 * upstream on the host reached as `host.testcontainers.internal` (through testcontainers' port
 * forwarder, or for the benchmark directly through Docker's `host-gateway`, which keeps an SSH tunnel
 * out of the measured path). Ports are mapped by testcontainers, the gateway is ready when Envoy's
 * admin `/ready` answers 200 (a gateway that exits fails at once with its last log lines), access logs
 * are flushed every 20 ms (Envoy's default is 10 s), and everything is removed on `stop`.
 */
import { readFileSync } from 'node:fs';
import { GenericContainer, Network, TestContainers, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { ADMIN_PORT, PLUGIN_DIR, envoyBootstrap, listenerPort, type ListenerSpec } from './envoy-bootstrap.ts';

export interface WorldSpec {
  name: string;
  /** The scenario table's world: which rows run here. */
  kind: 'envoy' | 'higress';
  image: string;
  /** The module this gateway loads (`dist/…`). */
  module: string;
  /** Higress's image starts its proxy script by default; its Envoy is run directly. */
  entrypoint?: string[];
}

export const WORLDS: WorldSpec[] = [
  { name: 'Envoy 1.27', kind: 'envoy', image: process.env.E2E_ENVOY_127_IMAGE ?? 'envoyproxy/envoy:v1.27-latest', module: 'dist/ai-proxy.envoy.wasm' },
  { name: 'Envoy 1.36', kind: 'envoy', image: process.env.E2E_ENVOY_CURRENT_IMAGE ?? 'envoyproxy/envoy:v1.36-latest', module: 'dist/ai-proxy.envoy.wasm' },
  {
    name: 'Higress gateway', kind: 'higress', image: process.env.E2E_HIGRESS_IMAGE ?? 'higress-registry.cn-hangzhou.cr.aliyuncs.com/higress/gateway:latest',
    module: 'dist/ai-proxy.wasm', entrypoint: ['/usr/local/bin/envoy'],
  },
];

const REDIS_IMAGE = process.env.E2E_REDIS_IMAGE ?? 'redis:7-alpine';

export interface StartedWorld {
  spec: WorldSpec;
  /** `http://host:port` of the `index`-th listener. */
  url(index: number): string;
  adminUrl: string;
  /** Everything the gateway printed so far (the access log included). */
  output(): string;
  flushRedis(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Redis and the gateway with one listener per spec; `modules` maps the file names the specs
 * name to the files on this machine.
 */
export async function startWorld(spec: WorldSpec, listeners: ListenerSpec[], modules: Record<string, string>, upstreamPort: number, options: { direct?: boolean; logs?: boolean } = {}): Promise<StartedWorld> {
  if (!options.direct) await TestContainers.exposeHostPorts(upstreamPort);
  const network: StartedNetwork = await new Network().start();
  const started: StartedTestContainer[] = [];
  try {
    const redis = await new GenericContainer(REDIS_IMAGE).withNetwork(network).withNetworkAliases('redis').withExposedPorts(6379).withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/)).start();
    started.push(redis);
    const bootstrap = envoyBootstrap(listeners, { upstream: { host: 'host.testcontainers.internal', port: upstreamPort }, redis: { host: 'redis', port: 6379 } });
    let gateway = new GenericContainer(spec.image)
      .withNetwork(network)
      .withCopyContentToContainer([
        { content: bootstrap, target: `${PLUGIN_DIR}/envoy.json` },
        ...Object.entries(modules).map(([name, file]) => ({ content: readFileSync(file), target: `${PLUGIN_DIR}/${name}` })),
      ])
      .withCommand(['-c', `${PLUGIN_DIR}/envoy.json`, '--concurrency', '1', '--file-flush-interval-msec', '20', '--log-level', 'warn', '--component-log-level', 'wasm:info'])
      .withExposedPorts(ADMIN_PORT, ...listeners.map((_, i) => listenerPort(i)))
      .withWaitStrategy(Wait.forHttp('/ready', ADMIN_PORT, { abortOnContainerExit: true }).forStatusCode(200))
      .withStartupTimeout(120_000);
    if (spec.entrypoint) gateway = gateway.withEntrypoint(spec.entrypoint);
    if (options.direct) gateway = gateway.withExtraHosts([{ host: 'host.testcontainers.internal', ipAddress: 'host-gateway' }]);
    const container = await gateway.start();
    started.push(container);
    let output = '';
    if (options.logs !== false) (await container.logs()).on('data', (chunk: Buffer | string) => (output += chunk.toString()));
    const base = `http://${container.getHost()}`;
    return {
      spec,
      url: (index) => `${base}:${container.getMappedPort(listenerPort(index))}`,
      adminUrl: `${base}:${container.getMappedPort(ADMIN_PORT)}`,
      output: () => output,
      async flushRedis() {
        await redis.exec(['redis-cli', 'FLUSHALL']);
      },
      async stop() {
        for (const c of started.reverse()) await c.stop();
        await network.stop();
      },
    };
  } catch (error) {
    for (const c of started.reverse()) await c.stop().catch(() => undefined);
    await network.stop().catch(() => undefined);
    throw error;
  }
}
