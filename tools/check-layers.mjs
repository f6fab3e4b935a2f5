// `npm run check:layers` (and part of `npm test`): reads the relative imports of every source file that
// is not a test (type-only imports included) and fails when files import each other in a circle or a
// file imports a layer below which it may not reach. The layers, bottom to top, are the LAYERS table.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each source file belongs to the first layer whose pattern matches its repo path; `may` lists what it may import besides itself. */
export const LAYERS = [
  { name: 'facts', pattern: /^facts\//, may: [] },
  { name: 'glue contract', pattern: /^engine\/glue-abi\.ts$/, may: [] },
  { name: 'engine native', pattern: /^engine\/native\.ts$/, may: ['facts'] },
  { name: 'engine', pattern: /^engine\//, may: ['facts', 'glue contract', 'engine native'] },
  { name: 'harness base', pattern: /^harness\/src\/((codec|state|properties|callouts)\/|options\.ts$)/, may: ['facts'] },
  { name: 'harness vm', pattern: /^harness\/src\/vm\//, may: ['facts', 'harness base'] },
  { name: 'harness stream', pattern: /^harness\/src\/stream\//, may: ['facts', 'harness base', 'harness vm'] },
  { name: 'harness imports', pattern: /^harness\/src\/imports\//, may: ['facts', 'harness base', 'harness vm', 'harness stream'] },
  { name: 'harness guest', pattern: /^harness\/src\/guest\//, may: ['facts', 'glue contract', 'engine native', 'harness base', 'harness vm', 'harness imports'] },
  {
    name: 'harness host',
    pattern: /^harness\/src\//,
    may: ['facts', 'glue contract', 'engine native', 'harness base', 'harness vm', 'harness stream', 'harness imports', 'harness guest'],
  },
  { name: 'plugins', pattern: /^(plugin\/(ai-proxy|examples)\/(?!cli\/|fake\/|test-support\/|test\/)|plugin\/sdk\/test-plugins\/|bench\/plugins\/)/, may: ['sdk'] },
  { name: 'sdk', pattern: /^plugin\/sdk\//, may: ['glue contract'] },
  { name: 'tools and tests support', pattern: /./, may: ['*'] },
];

const SOURCE = /\.(ts|mjs)$/;
const SKIP = /(^|\/)(node_modules|dist|\.git)(\/|$)|\.test\.ts$/;
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;

/** Repo-relative source files below `root` (tests, dist and node_modules left out). */
export function sourceFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (SKIP.test(rel) || name.startsWith('.')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (SOURCE.test(name)) found.push(rel);
    }
  };
  walk(root);
  return found.sort();
}

/** File → the repo-relative files it imports. */
export function importGraph(root, files) {
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(root, resolve(root, dirname(file), m[1])));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

export const layerOf = (file) => LAYERS.find((layer) => layer.pattern.test(file));

/** Imports that go where the importer's layer may not: `importer → target (layer → layer)`. */
export function violations(graph) {
  const found = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (from.may.includes('*') || to === from || from.may.includes(to.name)) continue;
      found.push(`${file} → ${target} (${from.name} may not import ${to.name})`);
    }
  }
  return found;
}

/** Every circle of imports (Tarjan's strongly connected components of more than one file, or a file importing itself). */
export function cycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (file) => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file), low.get(next)));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), index.get(next)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const files = sourceFiles(root);
  const graph = importGraph(root, files);
  const problems = [...cycles(graph).map((c) => `import circle: ${c.join(' ↔ ')}`), ...violations(graph)];
  if (problems.length > 0) {
    console.error(`check:layers: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`check:layers: ${files.length} files, no import circle, every import goes down the layers`);
}
