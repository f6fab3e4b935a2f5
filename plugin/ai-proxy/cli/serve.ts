/**
 * `npm start`: the built AI proxy served through the harness as a real HTTP gateway on 127.0.0.1, so it can
 * be tried with curl without Envoy or Higress. By default the upstream is the bundled fake GitHub Models
 * server (works offline, accepts `ghp_fake_token`); `--upstream https://models.github.ai` sends requests to
 * a real upstream with the token read from the environment variable `--token-env` names (never printed).
 *
 *   npm start -- [--plugin dist/ai-proxy.wasm] [--config file.json] [--port 8080]
 *                [--upstream URL [--token-env GITHUB_TOKEN]] [--cluster NAME=URL]... [--quiet]
 *
 * `--cluster` maps an Envoy cluster the configuration names to a server, e.g. the Redis of rate limits:
 * `--cluster 'outbound|6379||redis.static=redis://127.0.0.1:6379'`. The bundled fake also serves
 * OpenAI's `/v1` API, for a `--config` with an `openai` or `openai-compatible` provider. Prints one line
 * per component, then per request (not with `--quiet`) its status and the `wasm.ai_log` the plugin
 * wrote, and every plugin log line. Ctrl-C stops it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createHost, PluginLoadError, type Host } from '../../../harness/src/index.ts';
import { startGateway, type Gateway } from '../../../harness/src/serve/gateway.ts';
import { startFakeGitHubModels, type FakeGitHubModels } from '../fake/github-models.ts';

const USAGE = `usage: npm start -- [--plugin dist/ai-proxy.wasm] [--config file.json] [--port 8080]
                    [--upstream https://models.github.ai [--token-env GITHUB_TOKEN]]
                    [--cluster 'outbound|6379||redis.static=redis://127.0.0.1:6379']... [--quiet]
--cluster maps a cluster the config names (Redis for rate limits, callouts) to a server; --quiet
leaves out the line per request.
Without --upstream the bundled fake GitHub Models server answers (token ghp_fake_token, offline).
Without --config the plugin gets a GitHub provider mapping gpt-4.1 to openai/gpt-4.1, with the fake's
token, or with --upstream the token from the environment variable named by --token-env.`;

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

function defaultConfig(token: string): object {
  return { provider: { type: 'github', apiTokens: [token], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' } } };
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        plugin: { type: 'string', default: 'dist/ai-proxy.wasm' },
        config: { type: 'string' },
        port: { type: 'string', default: '8080' },
        upstream: { type: 'string' },
        'token-env': { type: 'string' },
        cluster: { type: 'string', multiple: true, default: [] },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
})();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, got "${args.port}"`);
if (args['token-env'] && !args.upstream) fail('--token-env only applies with --upstream (the fake accepts ghp_fake_token)');
if (args['token-env'] && args.config) fail('--token-env fills the default config; with --config, put the tokens in the config file');
const clusters: Record<string, string> = {};
for (const entry of args.cluster) {
  const eq = entry.lastIndexOf('=');
  const url = entry.slice(eq + 1);
  if (eq <= 0 || !/^(redis|https?):\/\/[^/]+/.test(url)) fail(`--cluster must be NAME=redis://host:port or NAME=http://host:port, got "${entry}"`);
  clusters[entry.slice(0, eq)] = url;
}
if (!existsSync(args.plugin)) fail(`${args.plugin} not found: run npm run build first`);

let upstream: string;
let token = 'ghp_fake_token';
let fake: FakeGitHubModels | undefined;
if (args.upstream) {
  try {
    if (!/^https?:$/.test(new URL(args.upstream).protocol)) throw new Error();
  } catch {
    fail(`--upstream must be an http:// or https:// URL, got "${args.upstream}"`);
  }
  const envName = args['token-env'] ?? 'GITHUB_TOKEN';
  const fromEnv = process.env[envName];
  if (!args.config && !fromEnv) fail(`--upstream needs a token: set the environment variable ${envName} (or name another one with --token-env)`);
  token = fromEnv ?? '';
  upstream = args.upstream;
} else {
  fake = await startFakeGitHubModels();
  upstream = fake.url;
}

let pluginConfig: string | object;
if (args.config) {
  try {
    pluginConfig = readFileSync(args.config, 'utf8');
  } catch (error) {
    fail(`cannot read --config ${args.config}: ${error instanceof Error ? error.message : String(error)}`);
  }
} else {
  pluginConfig = defaultConfig(token);
}

let host: Host;
try {
  host = await createHost({ module: args.plugin, pluginConfig, pluginName: 'ai-proxy', clock: 'real', logLevel: args.quiet ? 'info' : 'debug', clusters });
} catch (error) {
  await fake?.close();
  if (!(error instanceof PluginLoadError)) throw error;
  fail(`the plugin did not start: ${error.reason}`);
}
host.logs.onEntry((e) => console.log(`  ${e.source === 'host' ? 'envoy' : 'plugin'} ${e.level}: ${e.message}`));

let gateway: Gateway;
try {
  gateway = await startGateway({
    host,
    upstream,
    port,
    onStreamDone({ method, path, stream, error }) {
      if (args.quiet && !error) return;
      const outcome = stream.client.reset !== undefined ? `reset (${stream.client.reset})` : String(stream.client.status);
      const local = stream.localReply ? ` local reply ${stream.localReply.details}` : '';
      console.log(`${method} ${path} -> ${outcome}${local}${error ? ` gateway error: ${String(error)}` : ''}`);
      const aiLog = stream.filterState.get('wasm.ai_log');
      if (!args.quiet && aiLog !== undefined) console.log(`  ai_log ${Buffer.from(aiLog).toString('utf8')}`);
    },
  });
} catch (error) {
  await fake?.close();
  host.close();
  fail(`cannot listen on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)}`);
}

const configName = args.config ?? (args.upstream ? `default GitHub config (token from $${args['token-env'] ?? 'GITHUB_TOKEN'})` : 'default GitHub config (token ghp_fake_token)');
console.log(`gateway   ${gateway.url}`);
console.log(`upstream  ${fake ? `${upstream} (bundled fake GitHub Models, offline)` : upstream}`);
console.log(`plugin    ${args.plugin}, ${configName}`);
console.log(`try       curl -s ${gateway.url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"Hello"}]}'`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.close();
  host.shutdown();
  host.close();
  await fake?.close();
  console.log('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
