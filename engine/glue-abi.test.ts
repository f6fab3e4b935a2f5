/**
 * engine/glue-abi.ts says what the WAT does: each `__host[i]` block of glue/30-host-functions.wat calls the
 * import the table names, marshals the arguments in the table's order and kinds, passes the listed
 * scratch out-parameters and answers with the helper for the table's answer; glue/70-build.wat registers
 * exactly that many functions; each `proxy_on_*` export of each build's glue forwards with the table's
 * kind, arity and result on failure (Higress's Redis callback only in the Higress build); and the
 * imports the table names are declared by each build as its gateway's host table has them (the Envoy
 * build answers Higress's Redis functions itself).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostTable } from '../facts/proxy-wasm/host-table.ts';
import { CALLBACKS, HOST_FUNCTIONS, argKind, type GlueAnswer, type GlueArg } from './glue-abi.ts';
import { glueText } from './assemble.ts';
import { TARGET_NAMES, TARGETS } from './targets.ts';

const glue = (file: string) => readFileSync(new URL(`./glue/${file}`, import.meta.url), 'utf8');

/** The code of each `;; <index> <name>(…)` block of `$host_fn`, by index. */
function hostBlocks(): Map<number, { name: string; params: string[]; code: string }> {
  const text = glue('30-host-functions.wat');
  const body = text.slice(text.indexOf('(func $host_fn'), text.indexOf('(func $random_bytes'));
  const marks = [...body.matchAll(/;; (\d+) (\w+)\(([^)]*)\)/g)];
  return new Map(
    marks.map((m, i) => [
      Number(m[1]),
      { name: m[2]!, params: m[3]!.split(',').map((p) => p.trim()).filter(Boolean), code: body.slice(m.index! + m[0].length, marks[i + 1]?.index ?? body.length) },
    ]),
  );
}

const ARG_HELPER: Record<GlueArg, string> = { i32: 'arg_i32', i64: 'arg_i64', string: 'arg_str', bytes: 'arg_buf' };
const ANSWER_HELPER: Partial<Record<GlueAnswer, RegExp>> = {
  status: /\(return \(call \$num \(call \$proxy_/,
  u32: /\(call \$u32_or_status \(call \$proxy_/,
  bytes: /\(call \$buf_or_status \(call \$proxy_/,
  string: /\(call \$str_or_status \(call \$proxy_/,
  text: /\(call \$text_or_status \(call \$proxy_/,
  'pairs-text': /\(call \$pairs_text_or_status \(call \$proxy_/,
  scan: /\(return \(call \$json_scan_body \(call \$proxy_/,
  count: /\(return \(call \$num \(call \$\w+ \(call \$proxy_/,
  u64: /i64\.load \(global\.get \$scratch\)/,
  'u64-or-status': /i32\.sub \(i32\.const 0\)[\s\S]*i64\.load \(global\.get \$scratch\)/,
};

describe('the host functions in engine/glue-abi.ts', () => {
  const blocks = hostBlocks();

  it('are the blocks of $host_fn, one per index, in order', () => {
    expect([...blocks.keys()]).toEqual(HOST_FUNCTIONS.map((_, i) => i));
    expect(HOST_FUNCTIONS.map((spec) => spec.name)).toEqual([...blocks.values()].map((b) => b.name));
    const table = glue('30-host-functions.wat').match(/br_table ([$\w\s]+?)\(local\.get \$id\)/)![1]!.trim().split(/\s+/);
    expect(table).toEqual([...HOST_FUNCTIONS.map((_, i) => `$b${i}`), '$bad']);
  });

  it.each(HOST_FUNCTIONS.map((spec, index) => [index, spec] as const))('%i %o is what the WAT block does', (index, spec) => {
    const { code, params } = blocks.get(index)!;
    expect(spec.params.map((p) => p.slice(p.indexOf(' ') + 1))).toEqual(params);
    const imports = [...code.matchAll(/\$(proxy_\w+)/g)].map((m) => m[1]);
    expect([...new Set(imports)]).toEqual(spec.proxy ? [spec.proxy] : []);
    const marshalled = [...code.matchAll(/\$(arg_\w+) \(i32\.const (\d+)\)/g)].map((m) => [m[1], Number(m[2])]);
    expect(marshalled).toEqual(spec.params.map((param, i) => [ARG_HELPER[argKind(param)], i]));
    if (spec.proxy) expect([...code.matchAll(/\(call \$out(\d)\)/g)].map((m) => Number(m[1]))).toEqual(spec.outs);
    const answer = ANSWER_HELPER[spec.answer];
    if (answer) expect(code).toMatch(answer);
    else expect(spec.proxy).toBeUndefined();
  });

  it('are all registered by glue_init', () => {
    const last = Number(glue('70-build.wat').match(/\(br_if \$done \(i32\.gt_u \(local\.get \$i\) \(i32\.const (\d+)\)\)\)/)![1]);
    expect(last).toBe(HOST_FUNCTIONS.length - 1);
  });

  it.each(TARGET_NAMES)('call, in the %s build, imports its gateway provides with the same types, or glue stand-ins', (target) => {
    const text = glueText(target);
    const table = hostTable(TARGETS[target].abi, target);
    for (const spec of HOST_FUNCTIONS.filter((s) => s.proxy)) {
      if (!table.has(`env.${spec.proxy}`)) {
        expect(text, spec.proxy).toMatch(new RegExp(`\\(func \\$${spec.proxy} (\\(param[^)]*\\) )?\\(result i32\\) \\(i32\\.const 12\\)\\)`));
        expect(text).not.toContain(`"${spec.proxy}"`);
        continue;
      }
      const declared = text.match(new RegExp(`\\(import "env" "${spec.proxy}" \\(func \\$${spec.proxy} ((?:\\(param[^)]*\\) ?)?(?:\\(result[^)]*\\))?)\\)\\)`));
      expect(declared, spec.proxy).not.toBeNull();
      const params = (declared![1]!.match(/\(param ([^)]*)\)/)?.[1] ?? '').split(' ').filter(Boolean);
      const results = (declared![1]!.match(/\(result ([^)]*)\)/)?.[1] ?? '').split(' ').filter(Boolean);
      const letters = (types: string[]) => types.map((t) => (t === 'i64' ? 'I' : 'i')).join('');
      expect(`${letters(params)}:${letters(results)}`, spec.proxy).toBe(table.get(`env.${spec.proxy}`));
    }
  });
});

describe('the callback kinds in engine/glue-abi.ts', () => {
  it.each(TARGET_NAMES)('are what each proxy_on_* export of the %s build passes to the dispatcher', (target) => {
    const text = glueText(target);
    const exports = [...text.matchAll(/\(func \(export "(proxy_on_\w+)"\)((?: \(param[^)]*\))*)( \(result i32\))?\s*(?:\(drop )?\(call \$dispatch \(i32\.const (\d+)\)((?: \((?:local\.get|i32\.const) \d+\)){5}) \(i32\.const (\d+)\)/g)];
    const seen = exports.map((m) => ({
      export: m[1],
      kind: Number(m[4]),
      arity: [...m[5]!.matchAll(/local\.get/g)].length,
      params: (m[2]!.match(/i32/g) ?? []).length,
      onThrow: m[3] ? Number(m[6]) : undefined,
    }));
    const expected = CALLBACKS.map((spec, kind) => ({ export: spec.export, kind, arity: spec.arity, params: spec.arity, onThrow: spec.onThrow }));
    expect(seen).toEqual(expected.filter((e) => target === 'higress' || e.export !== 'proxy_on_redis_call_response'));
    expect(text).toContain(`(func (export "proxy_abi_version_${TARGETS[target].abi}"))`);
  });
});
