/**
 * Property-based, through the built module (and the bundle): random multipart forms (random boundaries,
 * fields, binary values, file parts, the model field anywhere or nowhere), cut into random chunks, sent
 * to transcriptions with a `modelMapping`. The upstream receives the client's bytes with only the model
 * field's value mapped, and only when it comes before any file part; the VM keeps serving; nothing leaks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHost, type Host, type HttpStream } from '../../../harness/src/index.ts';
import { pluginSource } from '../../test-support/build-plugin.ts';
import { MODES, plugin, type PluginMode } from '../test-support/ai-host.ts';
import { TOKEN, chunked, cuts, expectSafe, runs, sharedHost } from '../test-support/hostile.ts';
import { randomForm, referenceModel } from '../test-support/random-forms.ts';
import { multipartBody } from '../test-support/multipart.ts';

const MAPPING = { model: 'mapped-model', 'gpt-*': 'gpt-4o-transcribe' };

function expectedUpstream(parts: Parameters<typeof referenceModel>[0], boundary: string, body: Buffer): Buffer {
  const model = referenceModel(parts);
  if (model === undefined || !(model === 'model' || model.startsWith('gpt-'))) return body;
  const target = model === 'model' ? MAPPING.model : MAPPING['gpt-*'];
  const index = parts.findIndex((p) => p.name === 'model');
  return multipartBody(parts.map((p, i) => (i === index ? { ...p, value: new TextEncoder().encode(target) } : p)), boundary);
}

function run(host: Host, boundary: string, chunks: Uint8Array[]): HttpStream {
  const s = host.newHttpStream(0);
  s.sendRequestHeaders([[':method', 'POST'], [':path', '/v1/audio/transcriptions'], [':authority', 'gw'], ['content-type', `multipart/form-data; boundary="${boundary}"`]], chunks.length === 0);
  chunks.forEach((chunk, i) => s.sendRequestBody(chunk, i === chunks.length - 1));
  if (s.upstream.ended && !s.localReply) {
    s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
    s.sendResponseBody(new TextEncoder().encode('{"text":"ok","usage":{"type":"tokens","input_tokens":1,"output_tokens":1,"total_tokens":2}}'), true);
  }
  return s;
}

describe.each(MODES)('random multipart uploads (%s)', (mode: PluginMode) => {
  const host = sharedHost(() => createHost({ ...pluginSource(plugin, mode), pluginConfig: { provider: { type: 'openai', apiTokens: [TOKEN], modelMapping: MAPPING } }, canary: false }));

  it('forwards the client bytes with only a leading model field mapped, in any chunking', async () => {
    const mapped = { yes: 0, no: 0 };
    const input = randomForm.chain((form) => cuts(form.body.length).map((at) => ({ ...form, at })));
    await fc.assert(
      fc.asyncProperty(input, async ({ boundary, parts, body, at }) => {
        const proxy = await host();
        const logsFrom = proxy.logs.entries.length;
        const s = run(proxy, boundary, chunked(new Uint8Array(body), at));
        expectSafe(proxy, s, logsFrom);
        expect(s.localReply).toBeUndefined();
        const want = expectedUpstream(parts, boundary, body);
        expect(Buffer.from(s.upstream.body).equals(want)).toBe(true);
        mapped[want.equals(body) ? 'no' : 'yes']++;
      }),
      runs(mode === 'wasm' ? 400 : 200),
    );
    expect(mapped.yes).toBeGreaterThan(0);
    expect(mapped.no).toBeGreaterThan(0);
  });
});
