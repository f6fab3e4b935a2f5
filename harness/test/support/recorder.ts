/**
 * The recorder the ABI self-tests build their WAT guests around. `RECORDER` gives a guest `$rec` (appends
 * one i32 to the log at 32768, its word count at 32764), `$clr` (sets the out-params at 512/516 to -1)
 * and `$out` (logs a status and both out-params as one triple). `recorderGuest` exports each callback
 * with its signature from `SIG` after the recorder; `s`, `v`, `op`, `record` and the header-map ops write
 * the calls; `records`, `outs` and `statusAndText` read the triples back from a worker's memory, `outs`
 * with the bytes and text of each successful result.
 */
import type { Host } from '../../src/host.ts';
import { guest, type GuestSpec } from './wat.ts';

export const SIG: Record<string, string> = {
  proxy_on_vm_start: '(param i32 i32) (result i32)', proxy_on_configure: '(param i32 i32) (result i32)',
  proxy_on_context_create: '(param i32 i32)', proxy_on_tick: '(param i32)', proxy_on_log: '(param i32)',
  proxy_on_request_headers: '(param i32 i32 i32) (result i32)', proxy_on_request_body: '(param i32 i32 i32) (result i32)',
  proxy_on_request_trailers: '(param i32 i32) (result i32)', proxy_on_response_headers: '(param i32 i32 i32) (result i32)',
  proxy_on_response_body: '(param i32 i32 i32) (result i32)', proxy_on_response_trailers: '(param i32 i32) (result i32)',
};

export const RECORDER = `
  (global $n (mut i32) (i32.const 0))
  (func $rec (param $v i32)
    (i32.store (i32.add (i32.const 32768) (i32.shl (global.get $n) (i32.const 2))) (local.get $v))
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store (i32.const 32764) (global.get $n)))
  (func $clr (i32.store (i32.const 512) (i32.const -1)) (i32.store (i32.const 516) (i32.const -1)))
  (func $out (param $status i32)
    (call $rec (local.get $status)) (call $rec (call $load32 (i32.const 512))) (call $rec (call $load32 (i32.const 516))))`;

export type Callbacks = Record<string, string>;

export function recorderGuest(callbacks: Callbacks, spec: Partial<GuestSpec> = {}): Uint8Array {
  const funcs = Object.entries(callbacks).map(([name, code]) => `  (func (export "${name}") ${SIG[name]}\n${code})`);
  const body = spec.body === undefined ? [] : [spec.body];
  return guest({ ...spec, body: [RECORDER, ...body, ...funcs].join('\n') });
}

type Arg = number | string;

export const v = (x: Arg) => (typeof x === 'number' ? `(i32.const ${x})` : x);
export const s = (name: string) => `(global.get $${name}) (global.get $${name}_len)`;
export const op = (call: string) => `(call $clr) (call $out ${call})`;
export const record = (expr: string) => `(call $rec ${expr}) (call $rec (i32.const 0)) (call $rec (i32.const 0))`;

export const get = (map: number, key: string, p: Arg = 512, q: Arg = 516) =>
  op(`(call $proxy_get_header_map_value (i32.const ${map}) ${s(key)} ${v(p)} ${v(q)})`);
export const add = (map: number, key: string, value: string) => op(`(call $proxy_add_header_map_value (i32.const ${map}) ${s(key)} ${s(value)})`);
export const replace = (map: number, key: string, value: string) =>
  op(`(call $proxy_replace_header_map_value (i32.const ${map}) ${s(key)} ${s(value)})`);
export const remove = (map: number, key: string) => op(`(call $proxy_remove_header_map_value (i32.const ${map}) ${s(key)})`);
export const pairs = (map: number, p: Arg = 512, q: Arg = 516) => op(`(call $proxy_get_header_map_pairs (i32.const ${map}) ${v(p)} ${v(q)})`);
export const setPairs = (map: number, data: string) => op(`(call $proxy_set_header_map_pairs (i32.const ${map}) ${s(data)})`);
export const size = (map: number) => op(`(call $proxy_get_header_map_size (i32.const ${map}) (i32.const 512))`);

export interface Recorded {
  status: number;
  ptr: number;
  size: number;
}

export interface Out extends Recorded {
  bytes?: Uint8Array;
  text?: string;
}

export function records(host: Host, worker = 0): Recorded[] {
  const mem = host.workers[worker]!.memory;
  const n = new DataView(mem.read(32764, 4).buffer).getUint32(0, true);
  const view = new DataView(mem.read(32768, n * 4).buffer);
  const words = Array.from({ length: n }, (_, i) => view.getUint32(i * 4, true));
  return Array.from({ length: Math.floor(n / 3) }, (_, i) => ({ status: words[3 * i]!, ptr: words[3 * i + 1]!, size: words[3 * i + 2]! }));
}

export function outs(host: Host, worker = 0): Out[] {
  const mem = host.workers[worker]!.memory;
  return records(host, worker).map((r) => {
    const bytes = r.status === 0 && r.ptr !== 0xffffffff && r.size !== 0xffffffff ? mem.read(r.ptr, r.size) : undefined;
    return { ...r, bytes, text: bytes && new TextDecoder().decode(bytes) };
  });
}

export const statusAndText = (host: Host) => outs(host).map((o) => [o.status, o.text]);
