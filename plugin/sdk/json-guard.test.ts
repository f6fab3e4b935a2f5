/**
 * Every plugin source that runs in the gateway parses JSON through `parseJson` (depth-bounded): a bare
 * `JSON.parse` of untrusted text can trap the VM on a few kilobytes of `[`. Tests, the fake servers and
 * test support run in Node and are exempt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const PLUGIN_ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXEMPT = [/\.test\.ts$/, /\/fake\//, /\/test-support\//, /\/test\//, /^sdk\/json\.ts$/];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

it('finds no JSON.parse outside plugin/sdk/json.ts in code that runs in the gateway', () => {
  const offenders = sources(PLUGIN_ROOT)
    .map((path) => relative(PLUGIN_ROOT, path))
    .filter((path) => !EXEMPT.some((pattern) => pattern.test(path)))
    .filter((path) => /JSON\.parse\s*\(/.test(readFileSync(join(PLUGIN_ROOT, path), 'utf8')));
  expect(offenders).toEqual([]);
});
