/**
 * Tiny Proxy-Wasm guests for the harness self-tests, written as WebAssembly text.
 * `guestWat` wraps a test's own module fields with the boilerplate every guest needs: env/WASI
 * imports declared with the exact signatures from `hostTable`, the ABI marker export, an exported
 * memory, a bump allocator (`$alloc`, exported as `malloc` or `proxy_on_memory_allocate`, plus
 * `heap_top`), UTF-8 strings in data segments at 1024+ (`$name`/`$name_len` globals), and helpers:
 * `$log`/`$log_str` (level ptr len, when `proxy_log` is imported), `$load32`, `$scratch` (512–1023).
 */
import wabtInit from 'wabt';
import { WABT_FEATURES } from '../../../engine/wabt-features.ts';
import { hostTable, WASI_FUNCTIONS, type AbiName } from '../../../facts/proxy-wasm/host-table.ts';

const wabt = await wabtInit();

export function compileWat(text: string): Uint8Array {
  let mod: ReturnType<typeof wabt.parseWat> | undefined;
  try {
    mod = wabt.parseWat('guest.wat', text, WABT_FEATURES);
    mod.resolveNames();
    mod.validate();
    return mod.toBinary({ write_debug_names: true }).buffer;
  } catch (e) {
    const width = String(text.split('\n').length).length;
    const numbered = text
      .split('\n')
      .map((line, i) => `${String(i + 1).padStart(width)} | ${line}`)
      .join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${numbered}`, { cause: e });
  } finally {
    mod?.destroy();
  }
}

export interface GuestSpec {
  abi?: '0_1_0' | '0_2_0' | '0_2_1' | '0_2_100' | null;
  imports?: string[];
  wasi?: string[];
  allocator?: 'malloc' | 'proxy_on_memory_allocate' | 'none' | 'returns-zero';
  strings?: Record<string, string>;
  pages?: number;
  maxPages?: number;
  body: string;
}

const STRINGS_BASE = 1024;
const HEAP_BASE = 65536;

function funcType(sig: string): string {
  const [params, results] = sig.split(':');
  const types = (letters: string) => [...letters].map((l) => (l === 'I' ? 'i64' : 'i32')).join(' ');
  return (params ? ` (param ${types(params)})` : '') + (results ? ` (result ${types(results)})` : '');
}

function watString(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes)
    out += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(16).padStart(2, '0')}`;
  return out;
}

const ALLOCATOR = `  (global $heap (mut i32) (i32.const ${HEAP_BASE}))
  (func $alloc (param $size i32) (result i32)
    (local $ptr i32) (local $end i64)
    (local.set $ptr (global.get $heap))
    (local.set $end (i64.add (i64.extend_i32_u (local.get $ptr))
      (i64.and (i64.add (i64.extend_i32_u (select (local.get $size) (i32.const 1) (local.get $size))) (i64.const 7)) (i64.const -8))))
    (if (i64.ge_u (local.get $end) (i64.const 0x100000000)) (then (return (i32.const 0))))
    (if (i64.gt_u (local.get $end) (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
      (then (if (i32.eq (i32.const -1) (memory.grow (i32.sub
          (i32.wrap_i64 (i64.shr_u (i64.add (local.get $end) (i64.const 0xffff)) (i64.const 16)))
          (memory.size))))
        (then (return (i32.const 0))))))
    (global.set $heap (i32.wrap_i64 (local.get $end)))
    (local.get $ptr))
  (func $heap_top (export "heap_top") (result i32) (global.get $heap))`;

export function guestWat(spec: GuestSpec): string {
  const abi = spec.abi === undefined ? '0_2_1' : spec.abi;
  const table = hostTable(abi === null || abi === '0_1_0' ? '0_2_1' : (abi as AbiName));
  const imports = spec.imports ?? [];
  const out: string[] = ['(module'];
  for (const name of imports) {
    const sig = table.get(`env.${name}`);
    if (sig === undefined) throw new Error(`guestWat: unknown host function env.${name} (abi ${abi ?? 'none'})`);
    out.push(`  (import "env" "${name}" (func $${name}${funcType(sig)}))`);
  }
  for (const name of spec.wasi ?? []) {
    const sig = WASI_FUNCTIONS[name];
    if (sig === undefined) throw new Error(`guestWat: unknown WASI function ${name}`);
    out.push(`  (import "wasi_snapshot_preview1" "${name}" (func $wasi_${name}${funcType(sig)}))`);
  }
  out.push(`  (memory (export "memory") ${spec.pages ?? 2}${spec.maxPages === undefined ? '' : ` ${spec.maxPages}`})`);
  out.push('  (global $scratch i32 (i32.const 512))');
  let offset = STRINGS_BASE;
  for (const [name, text] of Object.entries(spec.strings ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`guestWat: bad string name ${JSON.stringify(name)}`);
    const bytes = new TextEncoder().encode(text);
    if (offset + bytes.length > HEAP_BASE) throw new Error(`guestWat: strings overflow the static area at ${name}`);
    out.push(`  (global $${name} i32 (i32.const ${offset}))`, `  (global $${name}_len i32 (i32.const ${bytes.length}))`);
    out.push(`  (data (i32.const ${offset}) "${watString(bytes)}")`);
    offset += (bytes.length + 7) & ~7;
  }
  if (abi !== null) out.push(`  (func (export "proxy_abi_version_${abi}"))`);
  out.push(ALLOCATOR);
  const allocator = spec.allocator ?? 'malloc';
  if (allocator === 'malloc' || allocator === 'proxy_on_memory_allocate') out.push(`  (export "${allocator}" (func $alloc))`);
  if (allocator === 'returns-zero') out.push('  (func (export "malloc") (param i32) (result i32) (i32.const 0))');
  out.push('  (func $load32 (param $addr i32) (result i32) (i32.load (local.get $addr)))');
  if (imports.includes('proxy_log')) {
    out.push('  (func $log (param $level i32) (param $ptr i32) (param $len i32)');
    out.push('    (drop (call $proxy_log (local.get $level) (local.get $ptr) (local.get $len))))');
    out.push('  (func $log_str (param $level i32) (param $ptr i32) (param $len i32)');
    out.push('    (call $log (local.get $level) (local.get $ptr) (local.get $len)))');
  }
  out.push(spec.body, ')');
  return out.join('\n');
}

export function guest(spec: GuestSpec): Uint8Array {
  return compileWat(guestWat(spec));
}
