/**
 * The built module in real Envoy (1.27, the version Higress 2.0/2.1 ships): Envoy loads
 * dist/ai-proxy.envoy.wasm, and a chat request through its listener reaches the fake GitHub Models server
 * rewritten. Skipped, with the reason, where no Docker engine runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from '../plugin/ai-proxy/fake/github-models.ts';
import { dockerUnavailableReason } from './docker.ts';

const reason = dockerUnavailableReason();
const IMAGE = 'envoyproxy/envoy:v1.27-latest';
const LISTEN_PORT = 18089;
if (reason) console.warn(`e2e (real Envoy) skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`Envoy ${IMAGE} with dist/ai-proxy.envoy.wasm${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let envoy: ChildProcess | undefined;
  let fake: FakeGitHubModels | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    envoy?.kill('SIGTERM');
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the module and proxies a chat request to the upstream', async () => {
    fake = await startFakeGitHubModels();
    dir = mkdtempSync(join(tmpdir(), 'e2e-envoy-'));
    copyFileSync('dist/ai-proxy.envoy.wasm', join(dir, 'ai-proxy.wasm'));
    const config = readFileSync('e2e/envoy.yaml', 'utf8').replace('__LISTEN_PORT__', String(LISTEN_PORT)).replace('__UPSTREAM_PORT__', String(fake.port));
    writeFileSync(join(dir, 'envoy.yaml'), config);
    spawnSync('docker', ['pull', IMAGE], { stdio: 'ignore' });
    envoy = spawn('docker', ['run', '--rm', '--network', 'host', '-v', `${dir}:/plugin:ro`, IMAGE, '-c', '/plugin/envoy.yaml', '--component-log-level', 'wasm:debug']);
    let response: Response | undefined;
    for (let attempt = 0; attempt < 60 && !response; attempt++) {
      await new Promise((r) => setTimeout(r, 1000));
      response = await fetch(`http://127.0.0.1:${LISTEN_PORT}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' },
        body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hello envoy' }] }),
      }).catch(() => undefined);
    }
    expect(response?.status).toBe(200);
    expect(((await response!.json()) as { model: string }).model).toBe('openai/gpt-4.1');
    const seen = fake.requests.at(-1)!;
    expect(seen.path).toBe('/inference/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer ghp_fake_token');
  }, 180_000);
});
