// Builds every plugin entry (plugin/*/main.ts and plugin/examples/*/main.ts) into dist/<name>.wasm:
// esbuild bundles the TypeScript, the engine step turns the bundle into one verified Proxy-Wasm module.
import { mkdirSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { register } from 'tsx/esm/api';

register();
const { buildProxyWasmModule } = await import('./engine/index.ts');

function entries() {
  const found = [];
  for (const base of ['plugin', 'plugin/examples']) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const main = join(base, name, 'main.ts');
      if (existsSync(main)) found.push({ name, main });
    }
  }
  return found;
}

export async function bundle(main) {
  const result = await build({
    entryPoints: [main],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2023',
    platform: 'neutral',
    minify: true,
    keepNames: true,
    legalComments: 'none',
  });
  return result.outputFiles[0].text;
}

const only = process.argv.slice(2);
mkdirSync('dist', { recursive: true });
let failed = false;
for (const { name, main } of entries()) {
  if (only.length && !only.includes(name)) continue;
  const started = performance.now();
  try {
    const script = await bundle(main);
    writeFileSync(join('dist', `${name}.js`), script);
    const { bytes, report } = await buildProxyWasmModule(script, `${name}.js`);
    writeFileSync(join('dist', `${name}.wasm`), bytes);
    const ms = Math.round(performance.now() - started);
    console.log(`dist/${name}.wasm  ${(report.size / 1024).toFixed(0)} KiB  ${report.initialPages} pages  ${report.imports.length} imports  ${report.exports.length} exports  ${ms} ms`);
  } catch (error) {
    failed = true;
    console.error(`build of ${name} (${main}) failed: ${error instanceof Error ? error.message : error}`);
  }
}
if (failed) process.exit(1);
