/**
 * Docker detection for the end-to-end tests: they need a running Docker engine (not just the client).
 * Where there is none, the tests skip with one line saying why.
 */
import { spawnSync } from 'node:child_process';

export function dockerUnavailableReason(): string | undefined {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10000 });
  if (result.error) return `docker CLI not runnable (${result.error.message})`;
  if (result.status !== 0) return `no Docker engine answers (${(result.stderr || result.stdout).trim().split('\n')[0]})`;
  return undefined;
}
