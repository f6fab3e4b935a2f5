/**
 * Test set-up for the AI proxy: the plugin built once (the Higress and Envoy `.wasm` on QuickJS, and the
 * native bundle), a host per
 * configuration in either mode, the fake GitHub Models server as upstream, short helpers for chat
 * requests, and a check that no configured token ever appears in logs, replies, headers or metrics.
 */
import { expect } from 'vitest';
import { createHost, type ExchangeResult, type Host, type HostOptions, type HttpStream } from '../../../harness/src/index.ts';
import { buildPlugin, pluginSource, type PluginMode } from '../../test-support/build-plugin.ts';

export const plugin = await buildPlugin('plugin/ai-proxy/main.ts', { envoy: true });
export { type PluginMode } from '../../test-support/build-plugin.ts';
/** The AI proxy runs every suite on the Higress build, the Envoy build and the bundle on V8 (as Higress). */
export { ALL_MODES as MODES } from '../../test-support/build-plugin.ts';

/** Whether `mode` holds request headers until the body is read (the Higress build and the bundle as Higress). */
export const holdsHeaders = (mode: PluginMode): boolean => mode !== 'envoy';

export const TOKEN = 'ghp_fake_token';

export function githubConfig(extra: Record<string, unknown> = {}): object {
  return { provider: { type: 'github', apiTokens: [TOKEN], ...extra } };
}

export function aiHost(mode: PluginMode, pluginConfig: object | string, options: Partial<HostOptions> = {}): Promise<Host> {
  return createHost({ ...pluginSource(plugin, mode), pluginConfig, canary: true, ...options });
}

export interface ChatOptions {
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  chunks?: Array<string | Uint8Array>;
}

export const CHAT_HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gateway.local', 'content-type': 'application/json' };

/** One request through the proxy to `upstream`; `body` objects are sent as JSON, strings and bytes as they are. */
export function send(host: Host, upstream: string, options: ChatOptions = {}): Promise<ExchangeResult> {
  const headers = { ...CHAT_HEADERS, ':path': options.path ?? CHAT_HEADERS[':path'], ':method': options.method ?? 'POST', ...options.headers };
  const raw = options.body;
  const body = options.chunks ?? (raw === undefined ? undefined : typeof raw === 'string' || raw instanceof Uint8Array ? raw : JSON.stringify(raw));
  return host.exchange({ headers, body }, { upstream });
}

export function chatBody(model = 'openai/gpt-4.1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'hello from the test' }], ...extra };
}

/** Fails if any of `secrets` appears in a log line, a reply body or header, the filter state or a metric name. */
export function expectNoSecrets(host: Host, results: ExchangeResult[], secrets: string[]): void {
  const seen: string[] = [
    ...host.logs.entries.map((e) => e.message),
    ...host.metrics.all().map((m) => m.name),
    ...results.flatMap((r) => [r.client.text, ...(r.client.headers ?? []).flat()]),
    ...results.flatMap((r) => [...r.stream.filterState.values()].map((v) => new TextDecoder().decode(v))),
  ];
  for (const secret of secrets) for (const text of seen) expect(text.includes(secret), `secret leaked in: ${text.slice(0, 200)}`).toBe(false);
}

export function filterState(result: ExchangeResult, key: string): unknown {
  return filterStateOf(result.stream, key);
}

/** The JSON the plugin wrote with `setProperty([key])`, read from the stream's filter state. */
export function filterStateOf(stream: HttpStream, key: string): unknown {
  const raw = stream.filterState.get(`wasm.${key}`);
  return raw === undefined ? undefined : JSON.parse(new TextDecoder().decode(raw));
}
