/**
 * Bakes a snapshot into the linked module (DESIGN §2.3): mutable globals get their captured values as
 * initialisers, the data segments are replaced by passive segments holding the non-zero runs of the
 * captured memory, and a new `_initialize` only copies them back (`memory.init` + `data.drop`), so a VM
 * starts without running the engine or the plugin's top-level code and without calling the host.
 */
import binaryen from 'binaryen';
import { ALLOWED_FEATURES } from './features.ts';
import { BUILD_EXPORTS } from './assemble.ts';
import type { Snapshot } from './snapshot.ts';

const MERGE_GAP = 64;

export interface Run {
  offset: number;
  data: Uint8Array;
}

/** Non-zero runs of `memory`, merging runs separated by fewer than MERGE_GAP zero bytes. */
export function nonZeroRuns(memory: Uint8Array): Run[] {
  const runs: Run[] = [];
  let i = 0;
  while (i < memory.length) {
    while (i < memory.length && memory[i] === 0) i++;
    if (i >= memory.length) break;
    const start = i;
    let end = i;
    while (i < memory.length) {
      if (memory[i] !== 0) end = ++i;
      else if (i - end >= MERGE_GAP) break;
      else i++;
    }
    runs.push({ offset: start, data: memory.slice(start, end) });
  }
  return runs;
}

function constant(module: binaryen.Module, type: number, value: number | bigint): number {
  if (type === binaryen.i32) return module.i32.const(Number(value));
  if (type === binaryen.i64) {
    const v = BigInt.asUintN(64, BigInt(value));
    return module.i64.const(Number(v & 0xffffffffn), Number(v >> 32n));
  }
  if (type === binaryen.f32) return module.f32.const(Number(value));
  if (type === binaryen.f64) return module.f64.const(Number(value));
  throw new Error(`cannot bake a global of type ${type}`);
}

export function bake(linked: Uint8Array, snapshot: Snapshot): Uint8Array {
  const module = binaryen.readBinary(linked);
  try {
    module.setFeatures(ALLOWED_FEATURES);
    for (const [name, value] of snapshot.globals) {
      const info = binaryen.getGlobalInfo(module.getGlobal(name));
      module.removeGlobal(name);
      module.addGlobal(name, info.type, true, constant(module, info.type, value));
    }
    module.removeExport('_initialize');
    module.removeExport('memory');
    for (const name of BUILD_EXPORTS) if (name !== '_initialize') module.removeExport(name);
    module.runPasses(['remove-unused-module-elements']);
    const runs = nonZeroRuns(snapshot.memory);
    const segments = runs.map((run, i) => ({ name: `snapshot${i}`, data: run.data, passive: true, offset: 0 }));
    module.setMemory(snapshot.memory.length / 65536, 65536, 'memory', segments as unknown as binaryen.MemorySegment[]);
    const body = runs.flatMap((run, i) => [
      module.memory.init(`snapshot${i}`, module.i32.const(run.offset), module.i32.const(0), module.i32.const(run.data.length)),
      module.data.drop(`snapshot${i}`),
    ]);
    module.addFunction('__restore_snapshot', binaryen.none, binaryen.none, [], module.block(null, body));
    module.addFunctionExport('__restore_snapshot', '_initialize');
    if (!module.validate()) throw new Error('the baked module does not validate');
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
