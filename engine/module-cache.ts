/**
 * Built modules kept in node_modules/.cache/plugin-modules under a hash of the bundle, its file name,
 * the target and everything the engine step reads (the engine's and facts' sources, glue included, and
 * the locked dependency versions): `npm run build` fills it, and tests, which build the same bundles in
 * every test process, read it instead of building each plugin again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModuleReport } from './verify.ts';
import type { TargetName } from './targets.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const CACHE = join(root, 'node_modules', '.cache', 'plugin-modules');

function sourcesBelow(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourcesBelow(path, out);
    else if (!name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

let fingerprint: string | undefined;

/** A hash of what the engine step reads besides the bundle. */
function engineFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash('sha256');
  for (const path of [...sourcesBelow(join(root, 'engine')), ...sourcesBelow(join(root, 'facts')), join(root, 'package-lock.json')]) {
    hash.update(`\0${path.slice(root.length)}\0`);
    hash.update(readFileSync(path));
  }
  return (fingerprint = hash.digest('hex'));
}

export interface CachedModule {
  bytes: Uint8Array;
  report: ModuleReport;
  buildLog: string[];
}

function keyOf(bundle: string, filename: string, target: TargetName): string {
  return createHash('sha256').update(engineFingerprint()).update(`\0${target}\0${filename}\0`).update(bundle).digest('hex').slice(0, 32);
}

/** The module from the cache, or `build()`'s, stored for the next caller (written atomically). */
export async function cachedModule(bundle: string, filename: string, target: TargetName, build: () => Promise<CachedModule>): Promise<CachedModule> {
  const path = join(CACHE, keyOf(bundle, filename, target));
  try {
    const { report, buildLog } = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { report: ModuleReport; buildLog: string[] };
    const bytes = new Uint8Array(readFileSync(`${path}.wasm`));
    if (bytes.length === report.size) return { bytes, report, buildLog };
  } catch {
    /* not cached yet */
  }
  const built = await build();
  mkdirSync(CACHE, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, built.bytes);
  renameSync(temporary, `${path}.wasm`);
  writeFileSync(temporary, JSON.stringify({ report: built.report, buildLog: built.buildLog }));
  renameSync(temporary, `${path}.json`);
  return built;
}
