import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { readUleb } from './leb128.ts';
import { ModuleFormatError, readModuleInfo } from './module-info.ts';

const wabt = await wabtInit();
const FEATURES = { mutable_globals: true, sign_extension: true, bulk_memory: true, reference_types: true, multi_value: true, sat_float_to_int: true };

function wat(text: string, options: { names?: boolean; exceptions?: boolean } = {}): Uint8Array {
  const mod = wabt.parseWat('t.wat', text, { ...FEATURES, exceptions: options.exceptions ?? false });
  try {
    return mod.toBinary({ write_debug_names: options.names ?? false }).buffer;
  } finally {
    mod.destroy();
  }
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const section = (id: number, body: number[]): number[] => [id, body.length, ...body];
const custom = (name: string, payload: number[]): number[] => section(0, [name.length, ...ascii(name), ...payload]);
const module = (...sections: number[][]): Uint8Array => new Uint8Array([...HEADER, ...sections.flat()]);

function corruptError(bytes: Uint8Array): ModuleFormatError {
  try {
    readModuleInfo(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ModuleFormatError);
    expect((e as Error).message).toMatch(/^Failed to parse corrupted Wasm module: \S/);
    return e as ModuleFormatError;
  }
  throw new Error('readModuleInfo accepted the bytes');
}

const IMPORTS = `(module
  (import "env" "proxy_log" (func (param i32 i32 i32) (result i32)))
  (import "env" "proxy_increment_metric" (func (param i32 i64) (result i32)))
  (import "env" "mem" (memory 2 10))
  (import "env" "g" (global (mut i64)))
  (import "env" "tbl" (table 1 funcref))
  (import "env" "mixed" (func (param f32 f64 externref funcref) (result i64 f32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (import "env" "done" (func)))`;

describe('readModuleInfo imports', () => {
  it('lists every import with function signatures, skipping table and global bodies', () => {
    const info = readModuleInfo(wat(IMPORTS));
    expect(info.imports).toEqual([
      { module: 'env', name: 'proxy_log', kind: 'func', signature: 'iii:i' },
      { module: 'env', name: 'proxy_increment_metric', kind: 'func', signature: 'iI:i' },
      { module: 'env', name: 'mem', kind: 'memory' },
      { module: 'env', name: 'g', kind: 'global' },
      { module: 'env', name: 'tbl', kind: 'table' },
      { module: 'env', name: 'mixed', kind: 'func', signature: 'fFer:If' },
      { module: 'wasi_snapshot_preview1', name: 'proc_exit', kind: 'func', signature: 'i:' },
      { module: 'env', name: 'done', kind: 'func', signature: ':' },
    ]);
    expect(info.memory).toEqual({ min: 2, max: 10, imported: true });
    expect(info.exports).toEqual([]);
  });

  it('reads a tag import and the entries after it', () => {
    const bytes = wat('(module (import "env" "ex" (tag (param i32))) (import "env" "f" (func (param i64))))', { exceptions: true });
    expect(readModuleInfo(bytes).imports).toEqual([
      { module: 'env', name: 'ex', kind: 'tag' },
      { module: 'env', name: 'f', kind: 'func', signature: 'I:' },
    ]);
  });
});

describe('readModuleInfo exports', () => {
  const EXPORTS = `(module
    (import "env" "a" (func $a (param i32)))
    (import "env" "b" (func $b (param i64 i64) (result i64)))
    (func $first (result i32) (i32.const 0))
    (func $second (param f64))
    (memory $m 3)
    (global $g (mut i32) (i32.const 0))
    (table $t 1 funcref)
    (export "zeta" (func $second))
    (export "memory" (memory $m))
    (export "alpha" (func $first))
    (export "reexported" (func $b))
    (export "g" (global $g))
    (export "t" (table $t)))`;

  it('keeps export-section order and resolves function types past the imported functions', () => {
    const info = readModuleInfo(wat(EXPORTS));
    expect(info.exports).toEqual([
      { name: 'zeta', kind: 'func', index: 3, signature: 'F:' },
      { name: 'memory', kind: 'memory', index: 0 },
      { name: 'alpha', kind: 'func', index: 2, signature: ':i' },
      { name: 'reexported', kind: 'func', index: 1, signature: 'II:I' },
      { name: 'g', kind: 'global', index: 0 },
      { name: 't', kind: 'table', index: 0 },
    ]);
    expect(info.memory).toEqual({ min: 3, imported: false });
  });

  it('reports no memory for a module without one', () => {
    const info = readModuleInfo(wat('(module (func (export "f")))'));
    expect(info.memory).toBeUndefined();
    expect(info.exports).toEqual([{ name: 'f', kind: 'func', index: 0, signature: ':' }]);
  });

  it('rejects an exported function index past the function space', () => {
    const bytes = module(section(1, [1, 0x60, 0, 0]), section(3, [1, 0]), section(7, [1, 1, ...ascii('f'), 0x00, 1]));
    expect(corruptError(bytes).message).toContain('exported function index 1 out of range');
  });
});

describe('readModuleInfo custom sections', () => {
  it('records custom section names in order and accepts a well-formed name section', () => {
    const base = wat('(module (func $named (export "f")) (func $other))', { names: true });
    const bytes = new Uint8Array([...base, ...custom('producers', [0]), ...custom('precompiled_x', [1, 2, 3])]);
    expect(readModuleInfo(bytes).customSections).toEqual(['name', 'producers', 'precompiled_x']);
  });

  it('fails when a name subsection overruns the section', () => {
    const bytes = module(custom('name', [0x01, 0x10, 0x00, 0x00]));
    expect(corruptError(bytes).message).toContain('overrun');
  });

  it('fails when the function name map does not fill its subsection exactly', () => {
    const bytes = module(custom('name', [0x01, 0x03, 0x00, 0xaa, 0xbb]));
    expect(corruptError(bytes).message).toContain('function name subsection');
  });

  it('fails when a function name overruns its subsection, naming where', () => {
    const bytes = module(custom('name', [0x01, 0x04, 0x01, 0x00, 0x09, 0x61]));
    expect(corruptError(bytes).message).toBe('Failed to parse corrupted Wasm module: 9 bytes at offset 20 overrun their enclosing bounds');
  });

  it('leaves other custom sections unparsed', () => {
    const bytes = module(custom('namex', [0x01, 0x7f]), custom('name', [0x00, 0x02, 0x01, 0x61, 0x01, 0x01, 0x00]));
    expect(readModuleInfo(bytes).customSections).toEqual(['namex', 'name']);
  });
});

describe('readModuleInfo malformed input', () => {
  const valid = wat(IMPORTS.replace(/\)$/, ' (func (export "run") (param i64) (result i32) (i32.const 1)))'), { names: true });

  it('parses the intact module used below', () => {
    expect(readModuleInfo(valid).exports).toEqual([{ name: 'run', kind: 'func', index: 5, signature: 'I:i' }]);
  });

  function sectionEnds(bytes: Uint8Array): Set<number> {
    const ends = new Set([8]);
    for (let pos = 8; pos < bytes.length; ends.add(pos)) {
      const size = readUleb(bytes, pos + 1);
      pos = size.next + size.value;
    }
    return ends;
  }

  it('rejects every truncation except at a section boundary', () => {
    const ends = sectionEnds(valid);
    expect(ends.size).toBeGreaterThan(6);
    for (let length = 0; length < valid.length; length++) {
      const prefix = valid.slice(0, length);
      if (ends.has(length)) expect(() => readModuleInfo(prefix)).not.toThrow();
      else {
        expect(corruptError(prefix).message).toMatch(
          length < 8
            ? new RegExp(`^Failed to parse corrupted Wasm module: ${length} bytes is shorter than the 8-byte header$`)
            : /^Failed to parse corrupted Wasm module: (unexpected end of data at offset \d+|\d+ bytes at offset \d+ overrun their enclosing bounds)$/,
        );
      }
    }
  });

  it('throws only ModuleFormatError when any single byte is damaged', () => {
    for (let i = 8; i < valid.length; i++) {
      for (const value of [0x00, 0x7f, 0xff]) {
        const damaged = valid.slice();
        damaged[i] = value;
        try {
          readModuleInfo(damaged);
        } catch (e) {
          expect(e, `byte ${i} = ${value}`).toBeInstanceOf(ModuleFormatError);
        }
      }
    }
  });

  it('rejects a bad magic number and an unknown version', () => {
    expect(corruptError(new Uint8Array([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0])).message).toContain('magic');
    expect(corruptError(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0])).message).toContain('version 2');
  });

  it('rejects an over-long LEB128 section size', () => {
    const bytes = new Uint8Array([...HEADER, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    expect(corruptError(bytes).message).toContain('LEB128');
  });

  it('rejects duplicated or misordered sections and unknown ids', () => {
    expect(corruptError(module(section(3, [0]), section(1, [0]))).message).toContain('out of order');
    expect(corruptError(module(section(1, [0]), section(1, [0]))).message).toContain('duplicated');
    expect(corruptError(module(section(14, []))).message).toContain('unknown section id 14');
  });

  it('rejects trailing bytes inside a section and an import with an unknown type index', () => {
    expect(corruptError(module(section(1, [0, 0x00]))).message).toContain('trailing');
    const badImport = section(2, [1, 1, ...ascii('m'), 1, ...ascii('f'), 0x00, 0]);
    expect(corruptError(module(badImport)).message).toContain('type index 0 out of range');
  });

  it('rejects GC type definitions by name', () => {
    for (const form of [0x4e, 0x50, 0x4f]) {
      const bytes = module(section(1, [1, form, 0]));
      expect(() => readModuleInfo(bytes)).toThrow(ModuleFormatError);
      expect(() => readModuleInfo(bytes)).toThrow(/GC types are not supported/);
    }
  });
});
