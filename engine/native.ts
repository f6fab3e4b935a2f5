/**
 * The engine's native fast paths (DESIGN §7): AssemblyScript sources in engine/native/, compiled by the
 * `assemblyscript` compiler from npm into one Wasm module that shares QuickJS's memory. The module may
 * hold code only — no data, no globals that need memory, no allocator — since the memory is the
 * engine's: it works on pointers the glue hands it. Its `env.memory` import is renamed to QuickJS's
 * (`qjs.memory`) so wasm-merge links them, and the script guest instantiates it on its own memory.
 *
 * Loading the compiler takes seconds, so the result is kept in node_modules/.cache/engine-native under
 * a hash of the sources, the compiler version and its flags; the build fills the cache, tests read it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModuleInfo } from '../facts/wasm/module-info.ts';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = join(here, 'native');
const CACHE = join(here, '..', 'node_modules', '.cache', 'engine-native');
const DISABLED = ['simd', 'relaxed-simd', 'threads', 'exception-handling', 'tail-calls', 'extended-const', 'gc', 'stringref', 'memory64'];
const FLAGS = ['-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--initialMemory', '0', '--noAssert', '--disable', DISABLED.join(',')];

/** What the native module exports, with its Wasm signature (`i` = i32). */
export const NATIVE_EXPORTS: Readonly<Record<string, string>> = {
  json_scan: 'iiiiiii:i',
  sse_scan: 'iiiiii:i',
  pairs_strings: 'ii:i',
  pairs_header: 'iiii:i',
  find_byte: 'iii:i',
  splice_size: 'iii:i',
  splice_write: 'iiii:',
  pairs_rewrite: 'iiiiiiii:i',
  sha256: 'iii:',
};

/** Rewrites the import `env.memory` to `qjs.memory` in place (both module names are three bytes). */
function importQuickJsMemory(bytes: Uint8Array): Uint8Array {
  const needle = [3, 0x65, 0x6e, 0x76, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02];
  for (let i = 8; i + needle.length <= bytes.length; i++) {
    if (needle.every((b, k) => bytes[i + k] === b)) {
      bytes.set([0x71, 0x6a, 0x73], i + 1);
      return bytes;
    }
  }
  throw new Error('the native module does not import env.memory');
}

function sources(): Array<{ name: string; text: string }> {
  return readdirSync(SOURCES)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(SOURCES, name), 'utf8') }));
}

function cacheKey(files: Array<{ name: string; text: string }>): string {
  const hash = createHash('sha256');
  hash.update(String(require('assemblyscript/package.json').version));
  hash.update(JSON.stringify(FLAGS));
  for (const { name, text } of files) hash.update(`\0${name}\0${text}`);
  return hash.digest('hex').slice(0, 24);
}

/** Checks the module holds what the glue links against and imports nothing but the engine's memory. */
export function checkNative(bytes: Uint8Array): Uint8Array {
  const info = readModuleInfo(bytes);
  const imports = info.imports.map((i) => `${i.module}.${i.name}`);
  if (imports.join() !== 'qjs.memory') throw new Error(`the native module may import only qjs.memory, not ${imports.join(', ')}`);
  for (const [name, signature] of Object.entries(NATIVE_EXPORTS)) {
    const found = info.exports.find((e) => e.name === name);
    if (found?.signature !== signature) throw new Error(`the native module must export ${name} as ${signature}, found ${found?.signature ?? 'nothing'}`);
  }
  return bytes;
}

async function compile(files: Array<{ name: string; text: string }>): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  const outputs: Record<string, Uint8Array> = {};
  const stderr: string[] = [];
  const { error } = await asc.main([...files.map((f) => join(SOURCES, f.name)), '--outFile', 'native.wasm', ...FLAGS], {
    writeFile: (name: string, contents: Uint8Array | string) => void (outputs[name] = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents),
    stderr: { write: (text: string) => void stderr.push(String(text)) },
    stdout: { write: () => undefined },
  });
  const bytes = outputs['native.wasm'];
  if (error || !bytes) throw new Error(`compiling engine/native failed: ${error?.message ?? 'no output'}\n${stderr.join('')}`);
  return checkNative(importQuickJsMemory(bytes));
}

let loaded: Promise<Uint8Array> | undefined;

/** The compiled native module, from the cache when its sources have not changed. */
export function nativeModule(): Promise<Uint8Array> {
  return (loaded ??= (async () => {
    const files = sources();
    const path = join(CACHE, `${cacheKey(files)}.wasm`);
    try {
      return checkNative(new Uint8Array(readFileSync(path)));
    } catch {
      const bytes = await compile(files);
      mkdirSync(CACHE, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, bytes);
      renameSync(temporary, path);
      return bytes;
    }
  })());
}

export interface NativeGlue {
  jsonScan(text: Uint8Array, keys: Uint8Array, out: Uint8Array, maxDepth: number): number;
  sseScan(chunk: Uint8Array, state: Uint8Array, out: Uint8Array, from: number): number;
  /** A header-pairs block as `getHeaderMapText` answers it: its strings area as text, or the block itself. */
  pairsText(block: Uint8Array): string | Uint8Array;
  /** The block `setHeaderMapText` builds from the UTF-8 of "k\0v\0…", or its failure (−1, −2). */
  pairsBlock(text: Uint8Array, count: number): Uint8Array | -1 | -2;
  /** The block `rewriteHeaderMap` sets, or its failure (−1, −2). */
  pairsRewrite(block: Uint8Array, remove: Uint8Array, set: Uint8Array, count: number): Uint8Array | -1 | -2;
  /** The body `spliceBody` sets, or −1. */
  splice(body: Uint8Array, splices: Uint8Array): Uint8Array | -1;
  /** SHA-256 of `data` into `work[0, 32)` (`work`: 672 bytes), or −1. */
  sha256(data: Uint8Array, work: Uint8Array): number;
  /** What `jsonScanBody` answers for `body`. */
  jsonScanBody(body: Uint8Array, keys: Uint8Array, out: Uint8Array, maxDepth: number, index: number, raw: number): number | string;
}

/**
 * The glue's `jsonScan` and `sseScan` (engine/glue/45-native.wat) for code that runs outside the engine
 * (the script guest, unit tests): the same checks, then the same native code on copies of the buffers
 * in a memory of its own; the buffers the native code writes are copied back.
 */
export function nativeGlue(module: WebAssembly.Module): NativeGlue {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const fast = new WebAssembly.Instance(module, { qjs: { memory } }).exports as Record<keyof typeof NATIVE_EXPORTS, (...args: number[]) => number>;
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const utf8 = (bytes: Uint8Array): string | undefined => {
    try {
      return strict.decode(bytes);
    } catch {
      return undefined;
    }
  };
  const inPlace = (buffers: Uint8Array[], written: number, run: (ptrs: number[]) => number): number => {
    const ptrs: number[] = [];
    let top = 0;
    for (const b of buffers) ptrs.push(top), (top += Math.ceil((b.length + 1) / 8) * 8);
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    buffers.forEach((b, i) => new Uint8Array(memory.buffer, ptrs[i], b.length).set(b));
    const result = run(ptrs);
    for (let i = buffers.length - written; i < buffers.length; i++) buffers[i]!.set(new Uint8Array(memory.buffer, ptrs[i], buffers[i]!.length));
    return result;
  };
  return {
    jsonScan(text, keys, out, maxDepth) {
      if (maxDepth < 0 || out.length < 257 + maxDepth) return -1;
      if (utf8(text) === undefined) return 5;
      return inPlace([text, keys, out], 1, ([t, k, o]) => fast.json_scan(t!, text.length, k!, keys.length, o!, maxDepth, 1));
    },
    sseScan(chunk, state, out, from) {
      if (state.length < 24 || out.length < 28 || from >>> 0 > chunk.length) return -1;
      return inPlace([chunk, state, out], 2, ([c, s, o]) => fast.sse_scan(c!, chunk.length, s!, o!, Math.floor((out.length - 16) / 12), from));
    },
    pairsText(block) {
      if (block.length === 0) return '';
      const at = inPlace([block], 0, ([b]) => fast.pairs_strings(b!, block.length));
      return at < 0 ? block : (utf8(block.subarray(at)) ?? block);
    },
    pairsRewrite(block, remove, set, count) {
      if (count >>> 0 > 1024 || set.length > 1048576) return -2;
      if (utf8(set) === undefined) return -1;
      const out = new Uint8Array(block.length + set.length + 4 + 8 * count);
      const size = inPlace([block, remove, set, out], 1, ([b, r, s, o]) => fast.pairs_rewrite(b!, block.length, r!, remove.length, s!, set.length, count, o!));
      if (size < 0) return -1;
      return size > 1048576 || new DataView(out.buffer).getUint32(0, true) > 1024 ? -2 : out.slice(0, size);
    },
    splice(body, splices) {
      const size = inPlace([splices], 0, ([s]) => fast.splice_size(body.length, s!, splices.length));
      if (size < 0) return -1;
      const out = new Uint8Array(size);
      inPlace([body, splices, out], 1, ([b, s, o]) => (fast.splice_write(b!, body.length, s!, o!), 0));
      return out;
    },
    jsonScanBody(body, keys, out, maxDepth, index, raw) {
      const code = this.jsonScan(body, keys, out, maxDepth);
      if (code !== 0) return code;
      const record = (i: number) => (i >>> 0 < 8 ? new DataView(out.buffer, out.byteOffset + 4 * (8 + 5 * i), 20) : undefined);
      const span = (r: DataView | undefined, kinds: number[], trim: number) =>
        r && r.getInt32(0, true) > 0 && kinds.includes(r.getInt32(16, true)) ? strict.decode(body.subarray(r.getInt32(8, true) + trim, r.getInt32(12, true) - trim)) : undefined;
      const text = span(record(index), [0x22], 1);
      const json = span(record(raw), [0x7b, 0x5b], 0);
      if (json !== undefined) return `${text ?? ''}\0${json}`;
      return text ?? code;
    },
    sha256(data, work) {
      if (work.length < 672) return -1;
      return inPlace([data, work], 1, ([d, w]) => (fast.sha256(d!, data.length, w!), 0));
    },
    pairsBlock(text, count) {
      if (count >>> 0 > 1024 || text.length > 1048576 - 4 - 8 * count) return -2;
      if (utf8(text) === undefined) return -1;
      const head = new Uint8Array(4 + 8 * count);
      if (inPlace([text, head], 1, ([t, h]) => fast.pairs_header(t!, text.length, count, h!)) !== 1) return -1;
      const block = new Uint8Array(head.length + text.length);
      block.set(head);
      block.set(text, head.length);
      return block;
    },
  };
}
