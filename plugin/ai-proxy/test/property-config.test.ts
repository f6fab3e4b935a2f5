/**
 * Property-based: random configurations at configure time on the built module (and the bundle on V8).
 * Valid Higress-style configurations are mutated — a value replaced by random JSON, a wrong type, a
 * credential-shaped string or deeply nested text; a structure wrapped in an array; an unknown field
 * holding a credential; the whole text truncated — and each either starts, or is refused with exactly one
 * `invalid plugin configuration: …` line and no trap. No rejection line ever shows a credential placed in
 * the configuration, and a started plugin serves a request without showing its tokens.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHost, PluginLoadError, type Host } from '../../../harness/src/index.ts';
import { LogStore, type LogEntry } from '../../../harness/src/state/logs.ts';
import { pluginSource } from '../../test-support/build-plugin.ts';
import { MODES, plugin, type PluginMode } from '../test-support/ai-host.ts';
import { TOKEN, deepText, runs } from '../test-support/hostile.ts';

const alnum = (length: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: length, maxLength: length });
const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });

/** Strings shaped like the credentials users paste: GitHub, OpenAI, Azure keys, bearer headers. */
const credential = fc.oneof(
  alnum(36).map((s) => `ghp_${s}`),
  fc.tuple(alnum(22), alnum(59)).map(([a, b]) => `github_pat_${a}_${b}`),
  alnum(48).map((s) => `sk-${s}`),
  hex32,
  alnum(30).map((s) => `Bearer ghs_${s}`),
);

const BASES: object[] = [
  { provider: { type: 'github', apiTokens: [TOKEN], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1', '*': 'openai/gpt-4.1-mini' } } },
  { providers: [{ id: 'gh', type: 'github', apiTokens: [TOKEN] }, { id: 'oa', type: 'openai', apiTokens: [TOKEN], providerBasePath: '/p' }], activeProviderId: 'gh' },
  { provider: { type: 'azure-ai-foundry', providerDomain: 'r.services.ai.azure.com', apiTokens: [TOKEN] }, _rules_: [{ _match_route_: ['r1'], provider: { type: 'openai', apiTokens: [TOKEN] } }] },
  { provider: { type: 'openai-compatible', providerDomain: 'llm.local:8080', apiTokens: [TOKEN], capabilities: { 'openai/v1/chatcompletions': '/chat' }, timeout: 0, protocol: '' } },
];

type Json = unknown;

/** Every path to a value inside `value`, as lists of keys and indexes. */
function paths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (typeof value === 'object' && value !== null) return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

function replaceAt(value: Json, path: Array<string | number>, replace: (old: Json) => Json): Json {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, Json>;
  copy[head!] = replaceAt(copy[head!], rest, replace);
  return copy;
}

type Mutation = { kind: 'value'; with: Json } | { kind: 'wrap' } | { kind: 'unknown-field'; name: string; with: Json } | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<{ mutation: Mutation; secret?: string }> = fc.oneof(
  credential.map((secret) => ({ mutation: { kind: 'value' as const, with: secret }, secret })),
  credential.map((secret) => ({ mutation: { kind: 'value' as const, with: [secret, { token: secret }] }, secret })),
  credential.map((secret) => ({ mutation: { kind: 'unknown-field' as const, name: 'apiToken', with: secret }, secret })),
  credential.map((secret) => ({ mutation: { kind: 'unknown-field' as const, name: secret, with: 1 }, secret })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ mutation: { kind: 'value' as const, with: v } })),
  fc.constant({ mutation: { kind: 'wrap' as const } }),
  fc.nat().map((at) => ({ mutation: { kind: 'truncate' as const, at } })),
);

/** The configuration text after applying `m` at `path` (deep text is spliced in raw, as a user could). */
function mutate(base: Json, path: Array<string | number>, m: Mutation, deep: string | undefined): string {
  if (m.kind === 'truncate') {
    const text = JSON.stringify(base);
    return text.slice(0, m.at % text.length);
  }
  const marker = '"__deep__"';
  const next = replaceAt(base, path, (old) => {
    if (m.kind === 'wrap') return [old];
    if (m.kind === 'value') return deep === undefined ? m.with : '__deep__';
    return typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, [m.name]: m.with } : { [m.name]: m.with, value: old };
  });
  const text = JSON.stringify(next);
  return deep === undefined ? text : text.replace(marker, deep);
}

let entries: LogEntry[] = [];
afterEach(() => vi.restoreAllMocks());

describe.each(MODES)('random configurations (%s)', (mode: PluginMode) => {
  it('start, or are refused with one error line naming a field, never a trap and never a credential', async () => {
    const outcomes = { started: 0, refused: 0 };
    const input = fc
      .tuple(fc.constantFrom(...BASES), mutation, fc.option(deepText, { freq: 8 }))
      .chain(([base, m, deep]) => fc.constantFrom(...paths(base)).map((path) => ({ base, path, ...m, deep: deep ?? undefined })));
    await fc.assert(
      fc.asyncProperty(input, async ({ base, path, mutation: m, secret, deep }) => {
        const text = mutate(base, path, m, deep);
        const spy = vi.spyOn(LogStore.prototype, 'add');
        const started = await createHost({ ...pluginSource(plugin, mode), pluginConfig: text, canary: false }).then(
          (host) => host,
          (error: unknown) => error,
        );
        entries = spy.mock.calls.map(([entry]) => entry);
        spy.mockRestore();
        const secrets = [TOKEN, ...(secret ? [secret.replace(/^Bearer /, '')] : [])];
        if (started instanceof PluginLoadError || started instanceof Error) {
          outcomes.refused++;
          expect((started as Error).message).toMatch(/proxy_on_configure returned false/);
          const errors = entries.filter((e) => e.level === 'error' || e.level === 'critical');
          expect(errors.map((e) => e.source)).toEqual(['plugin']);
          expect(errors[0]!.message).toMatch(/^invalid plugin configuration: [^\n]+: expected .+, got .+$/);
          for (const e of entries) for (const s of secrets) expect(e.message.includes(s), `${s} in: ${e.message}`).toBe(false);
          return;
        }
        outcomes.started++;
        const host = started as Host;
        const result = await host.exchange(
          { headers: { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', 'content-type': 'application/json' }, body: '{"model":"gpt-4.1","messages":[]}' },
          { upstream: () => ({ status: 200, headers: [['content-type', 'application/json']], chunks: [new TextEncoder().encode('{"choices":[]}')], trailers: [] }) },
        );
        expect(host.workers[0]!.failure).toBeUndefined();
        const seen = [...host.logs.entries.map((e) => e.message), result.client.text, ...(result.client.headers ?? []).flat()];
        for (const text of seen) expect(text.includes(TOKEN), `token in: ${text}`).toBe(false);
      }),
      runs(mode === 'wasm' ? 400 : 200),
    );
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.started).toBeGreaterThan(0);
  });
});
