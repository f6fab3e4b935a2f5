import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { capMemoryPages } from './memory-cap.ts';
import { readModuleInfo } from './module-info.ts';

const wabt = await wabtInit();
const FEATURES = { mutable_globals: true, sign_extension: true, bulk_memory: true, reference_types: true, multi_value: true, sat_float_to_int: true };

function wat(text: string, options: { canonical?: boolean; threads?: boolean; memory64?: boolean } = {}): Uint8Array {
  const mod = wabt.parseWat('t.wat', text, { ...FEATURES, threads: options.threads ?? false, memory64: options.memory64 ?? false });
  try {
    return mod.toBinary({ canonicalize_lebs: options.canonical ?? true, write_debug_names: true }).buffer;
  } finally {
    mod.destroy();
  }
}

const GROWER = (limits: string): string => `(module
  (memory (export "memory") ${limits})
  (data (i32.const 16) "kept")
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))`;

interface Grower { grow(pages: number): number; size(): number; memory: WebAssembly.Memory }

async function instantiate(bytes: Uint8Array): Promise<Grower> {
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(new Uint8Array(bytes)));
  return instance.exports as unknown as Grower;
}

describe('capMemoryPages', () => {
  it.each([true, false])('adds a maximum to a memory without one (canonical LEBs: %s)', (canonical) => {
    const original = wat(GROWER('1'), { canonical });
    const before = original.slice();
    const capped = capMemoryPages(original, 16384);
    expect(readModuleInfo(capped).memory).toEqual({ min: 1, max: 16384, imported: false });
    expect(WebAssembly.validate(new Uint8Array(capped))).toBe(true);
    expect(original).toEqual(before);
    expect(readModuleInfo(capped).exports).toEqual(readModuleInfo(original).exports);
    expect(readModuleInfo(capped).customSections).toEqual(['name']);
  });

  it('lowers a larger maximum to the cap and keeps a smaller one', () => {
    expect(readModuleInfo(capMemoryPages(wat(GROWER('1 100')), 10)).memory).toEqual({ min: 1, max: 10, imported: false });
    expect(readModuleInfo(capMemoryPages(wat(GROWER('2 3')), 10)).memory).toEqual({ min: 2, max: 3, imported: false });
  });

  it('re-encodes a minimum that needs several LEB bytes', () => {
    const capped = capMemoryPages(wat(GROWER('300')), 16384);
    expect(readModuleInfo(capped).memory).toEqual({ min: 300, max: 16384, imported: false });
  });

  it('rewrites a section size that needs several LEB bytes and keeps the sections after it', () => {
    const memories = Array.from({ length: 64 }, () => [0x00, 0x01]).flat();
    const body = [64, ...memories];
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x05, 0x81, 0x01, ...body, 0x00, 0x03, 0x02, 0x68, 0x69]);
    const capped = capMemoryPages(bytes, 4);
    expect(capped.length).toBe(bytes.length + 1);
    expect(readModuleInfo(capped)).toMatchObject({ memory: { min: 1, max: 4, imported: false }, customSections: ['hi'] });
  });

  it('refuses a minimum above the cap but accepts one equal to it', () => {
    expect(() => capMemoryPages(wat(GROWER('5')), 4)).toThrow('memory minimum of 5 pages exceeds the host limit of 4 pages');
    expect(readModuleInfo(capMemoryPages(wat(GROWER('4')), 4)).memory).toEqual({ min: 4, max: 4, imported: false });
  });

  it('returns a module without a memory section unchanged', () => {
    const noMemory = wat('(module (func (export "f")))');
    expect(capMemoryPages(noMemory, 4)).toBe(noMemory);
    const imported = wat('(module (import "env" "memory" (memory 1)))');
    expect(capMemoryPages(imported, 4)).toBe(imported);
  });

  it('names shared memory and memory64 as unsupported', () => {
    expect(() => capMemoryPages(wat('(module (memory 1 2 shared))', { threads: true }), 4)).toThrow(/shared memory is not supported/);
    expect(() => capMemoryPages(wat('(module (memory i64 1))', { memory64: true }), 4)).toThrow(/memory64 is not supported/);
  });

  it('makes memory.grow past the cap return -1 in a running instance', async () => {
    const uncapped = await instantiate(wat(GROWER('1')));
    expect(uncapped.grow(2)).toBe(1);
    expect(uncapped.grow(2)).toBe(3);

    const capped = await instantiate(capMemoryPages(wat(GROWER('1')), 4));
    expect(capped.grow(2)).toBe(1);
    expect(capped.grow(2)).toBe(-1);
    expect(capped.grow(1)).toBe(3);
    expect(capped.size()).toBe(4);
    expect(capped.grow(1)).toBe(-1);
    expect(new TextDecoder().decode(new Uint8Array(capped.memory.buffer, 16, 4))).toBe('kept');
  });
});
