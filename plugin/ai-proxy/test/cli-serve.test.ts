/**
 * `npm start` (plugin/ai-proxy/cli/serve.ts): the built AI proxy behind the harness gateway, against the
 * bundled fake GitHub Models server or a given upstream; the token is never printed, and what is missing
 * (the built plugin, the token) is said in one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels } from '../fake/github-models.ts';
import { plugin } from '../test-support/ai-host.ts';
import { startServe, stopServe } from '../test-support/serve-cli.ts';

const TOKEN = 'ghp_fake_token';
const chat = (extra: object = {}) => JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }], ...extra });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('npm start (plugin/ai-proxy/cli/serve.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-test-'));
  const wasm = join(dir, 'ai-proxy.wasm');
  writeFileSync(wasm, plugin.wasm);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the plugin against the bundled fake on the port it prints, and stops on Ctrl-C', async () => {
    const run = startServe(['--port', '0', '--plugin', wasm]);
    const url = await run.ready;
    expect(run.out.text).toMatch(/^upstream\s+http:\/\/127\.0\.0\.1:\d+ \(bundled fake GitHub Models, offline\)$/m);
    expect(run.out.text).toContain(`curl -s ${url}/v1/chat/completions`);
    const res = await post(url, chat());
    expect(res.status).toBe(200);
    expect((await res.json()).choices[0].message.content).toBe('Echo: Hello');
    expect(await stopServe(run)).toBe(0);
    expect(run.out.text).toMatch(/^POST \/v1\/chat\/completions -> 200$/m);
    expect(run.out.text).toMatch(/^stopped$/m);
  });

  it('forwards to --upstream with the token from --token-env and never prints it', async () => {
    const fake = await startFakeGitHubModels();
    const run = startServe(['--port', '0', '--plugin', wasm, '--upstream', fake.url, '--token-env', 'SERVE_TEST_TOKEN'], { SERVE_TEST_TOKEN: TOKEN });
    try {
      const url = await run.ready;
      expect((await post(url, chat())).status).toBe(200);
      expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(await stopServe(run)).toBe(0);
      expect(run.out.text).toContain('$SERVE_TEST_TOKEN');
      expect(run.out.text).not.toContain(TOKEN);
    } finally {
      run.child.kill();
      await fake.close();
    }
  });

  it('explains what is missing: the built plugin, the token', async () => {
    const noPlugin = startServe(['--plugin', join(dir, 'missing.wasm')]);
    expect(await noPlugin.exited).toBe(1);
    expect(noPlugin.out.text).toContain('run npm run build first');
    const noToken = startServe(['--plugin', wasm, '--upstream', 'https://models.github.ai', '--token-env', 'SERVE_TEST_UNSET']);
    expect(await noToken.exited).toBe(1);
    expect(noToken.out.text).toContain('set the environment variable SERVE_TEST_UNSET');
  });
});
