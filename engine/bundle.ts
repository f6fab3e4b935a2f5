/** Bundle step (DESIGN §2.1): esbuild turns a plugin entry into one ES2023 script with no Node APIs. */
import { build } from 'esbuild';

export async function bundlePlugin(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2023',
    platform: 'neutral',
    minify: true,
    keepNames: true,
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}
