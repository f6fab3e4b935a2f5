/**
 * Property-based, through the built module (and the bundle): random paths built from the API table's
 * words, id-like segments (dots, encoded slashes and backslashes, `;` parameters) and queries, with
 * random methods, content types and bodies, on an `openai-compatible` provider that passes unknown
 * paths through under a base path. Whatever comes in: no VM failure; a local reply is an OpenAI-style
 * error; what goes upstream carries the provider's token, none of the client's credentials, stays under
 * the base path with no segment that decodes to `.`/`..` or holds `/` or `\`, and its body is the
 * client's (JSON APIs: but for `model`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHost, type Host, type HttpStream } from '../../../harness/src/index.ts';
import { pluginSource } from '../../test-support/build-plugin.ts';
import { MODES, plugin, type PluginMode } from '../test-support/ai-host.ts';
import { CLIENT_SECRET, TOKEN, bytesOf, expectSafe, runs, sharedHost } from '../test-support/hostile.ts';

/** Decoded like a server that decodes before it resolves dot segments would (independent of the plugin's own check). */
function escapes(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment.replace(/%2e/gi, '.').replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
  }
  const name = decoded.split(';')[0];
  return name === '.' || name === '..' || decoded.includes('/') || decoded.includes('\\');
}

const WORDS = ['v1', 'chat', 'completions', 'responses', 'files', 'content', 'models', 'batches', 'cancel', 'input_items', 'audio', 'speech', 'transcriptions', 'images', 'edits', 'moderations', 'fine_tuning', 'jobs', 'vector_stores'];
const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.constantFrom('.', '..', '%2e%2E', '..%2F..', 'a%5Cb', '..;x', '%', '%zz', '', 'file-1', 'resp_1', 'gpt-4.1', 'a%2Fb') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map(encodeURIComponent) },
);
const request = fc.record({
  segments: fc.array(segment, { minLength: 1, maxLength: 6 }),
  query: fc.option(fc.string({ maxLength: 8 }).map((q) => `?${encodeURIComponent(q)}`), { nil: '' }),
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'constructor'),
  contentType: fc.constantFrom('application/json', 'multipart/form-data; boundary=b', 'text/plain', undefined),
  body: fc.option(fc.oneof(fc.constant('{"model":"alias","input":"x"}'), fc.string({ maxLength: 40 })), { nil: undefined }),
});

type RandomRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function run(host: Host, r: RandomRequest): HttpStream {
  const s = host.newHttpStream(0);
  const headers: Array<[string, string]> = [[':method', r.method], [':path', `/${r.segments.join('/')}${r.query}`], [':authority', 'gw'], ['authorization', `Bearer ${CLIENT_SECRET}`]];
  if (r.contentType) headers.push(['content-type', r.contentType]);
  s.sendRequestHeaders(headers, r.body === undefined);
  if (r.body !== undefined) s.sendRequestBody(bytesOf(r.body), true);
  if (s.upstream.ended && !s.localReply) {
    s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
    s.sendResponseBody(bytesOf('{"id":"x","usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}'), true);
  }
  return s;
}

describe.each(MODES)('random API paths (%s)', (mode: PluginMode) => {
  const config = { provider: { type: 'openai-compatible', providerDomain: 'llm.example.com', providerBasePath: '/base', apiTokens: [TOKEN], modelMapping: { alias: 'gpt-4.1' } } };
  const host = sharedHost(() => createHost({ ...pluginSource(plugin, mode), pluginConfig: config, canary: false }));

  it('keeps the VM serving, stays under the base path, forwards only the token and the model edit', async () => {
    const outcomes = { forwarded: 0, replied: 0 };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const proxy = await host();
        const logsFrom = proxy.logs.entries.length;
        const s = run(proxy, r);
        expectSafe(proxy, s, logsFrom);
        if (s.localReply || !s.upstream.headers) {
          outcomes.replied++;
          return;
        }
        outcomes.forwarded++;
        const path = s.upstream.headers.find(([k]) => k === ':path')![1];
        expect(path.startsWith('/base/')).toBe(true);
        expect(path.split('?')[0]!.split('/').some(escapes)).toBe(false);
        if (r.body !== undefined && s.upstream.ended) {
          const sent = new TextDecoder().decode(s.upstream.body);
          expect([r.body, r.body.replace('"alias"', '"gpt-4.1"')]).toContain(sent);
        }
      }),
      runs(mode === 'wasm' ? 600 : 300),
    );
    expect(outcomes.forwarded).toBeGreaterThan(0);
    expect(outcomes.replied).toBeGreaterThan(0);
  });
});
