// Builds every plugin entry (plugin/*/main.ts, plugin/examples/*/main.ts, bench/plugins/*/main.ts) for each target:
// dist/<name>.wasm for Higress (ABI 0.2.100, Redis host functions) and dist/<name>.envoy.wasm for vanilla Envoy ≥ 1.27
// (ABI 0.2.1). esbuild bundles the TypeScript once; the engine step turns it into one module per target, each verified
// against its own gateway's import table.
import { mkdirSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { buildProxyWasmModule } = await import('./engine/index.ts');
const { bundlePlugin } = await import('./engine/bundle.ts');
const { TARGETS } = await import('./engine/targets.ts');

function entries() {
  const found = [];
  for (const base of ['plugin', 'plugin/examples', 'bench/plugins']) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const main = join(base, name, 'main.ts');
      if (existsSync(main)) found.push({ name, main });
    }
  }
  return found;
}

const only = process.argv.slice(2);
mkdirSync('dist', { recursive: true });
let failed = false;
for (const { name, main } of entries()) {
  if (only.length && !only.includes(name)) continue;
  const started = performance.now();
  try {
    const script = await bundlePlugin(main);
    writeFileSync(join('dist', `${name}.js`), script);
    for (const target of Object.values(TARGETS)) {
      const { bytes, report } = await buildProxyWasmModule(script, `${name}.js`, target.name);
      const file = join('dist', `${name}${target.suffix}`);
      writeFileSync(file, bytes);
      const ms = Math.round(performance.now() - started);
      console.log(`${file}  ${target.name}  ${(report.size / 1024).toFixed(0)} KiB  ${report.initialPages} pages  ${report.imports.length} imports  ${report.exports.length} exports  ${ms} ms`);
    }
  } catch (error) {
    failed = true;
    console.error(`build of ${name} (${main}) failed: ${error instanceof Error ? error.message : error}`);
  }
}
if (failed) process.exit(1);
