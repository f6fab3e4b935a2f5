/**
 * The layer check itself: it finds circles of any length (type-only imports count), lets a file import
 * only its own layer and the ones its layer names, and reads imports as TypeScript writes them.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs module without type declarations
import { cycles, importGraph, layerOf, sourceFiles, violations } from './check-layers.mjs';

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe('cycles', () => {
  it('finds a circle of three and a file importing itself, and nothing in a tree', () => {
    expect(cycles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(cycles(graph({ a: ['a'] }))).toEqual([['a']]);
    expect(cycles(graph({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });
});

describe('violations', () => {
  it('refuses an import from a lower layer into a higher one, and allows the other way', () => {
    const g = graph({ 'facts/a.ts': ['harness/src/vm/vm.ts'], 'harness/src/vm/vm.ts': ['facts/a.ts'], 'plugin/ai-proxy/x.ts': ['harness/src/host.ts'] });
    expect(violations(g)).toEqual([
      'facts/a.ts → harness/src/vm/vm.ts (facts may not import harness vm)',
      'plugin/ai-proxy/x.ts → harness/src/host.ts (plugins may not import harness host)',
    ]);
  });

  it('puts each folder in its layer', () => {
    expect(['engine/glue-abi.ts', 'engine/verify.ts', 'harness/src/options.ts', 'harness/src/guest/start.ts', 'plugin/ai-proxy/cli/serve.ts', 'plugin/ai-proxy/root.ts'].map((f) => layerOf(f).name)).toEqual([
      'glue contract',
      'engine',
      'harness base',
      'harness guest',
      'tools and tests support',
      'plugins',
    ]);
  });
});

describe('reading imports', () => {
  it('sees type-only, multi-line and re-export imports, and skips tests', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    try {
      write('a/one.ts', "import type { X } from '../b/two.ts';\nimport {\n  Y,\n} from './three.ts';\nexport { Z } from '../c/four.ts';\n");
      write('a/three.ts', '');
      write('a/one.test.ts', "import '../b/two.ts';");
      expect(sourceFiles(root)).toEqual(['a/one.ts', 'a/three.ts']);
      expect(importGraph(root, ['a/one.ts']).get('a/one.ts')).toEqual(['b/two.ts', 'a/three.ts', 'c/four.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
