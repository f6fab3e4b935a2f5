/**
 * Reads what the host checks before loading a Wasm module, as Envoy does: imports and exports
 * (function ones with their exact types), the memory's limits and the custom section names.
 * Owns the binary-format walk (header, section order, LEB128, the `name` section's framing) and
 * reports malformed bytes as ModuleFormatError in Envoy's words. Code and data are never read.
 */
import { LebError, readUleb } from './leb128.ts';

export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';
export interface ImportEntry { module: string; name: string; kind: ExternKind; signature?: string }
export interface ExportEntry { name: string; kind: ExternKind; index: number; signature?: string }
export interface MemoryInfo { min: number; max?: number; imported: boolean }
export interface ModuleInfo { imports: ImportEntry[]; exports: ExportEntry[]; memory?: MemoryInfo; customSections: string[] }

export class ModuleFormatError extends Error {
  override name = 'ModuleFormatError';
}

const KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];
const VALUE_LETTERS: Record<number, string> = { 0x7f: 'i', 0x7e: 'I', 0x7d: 'f', 0x7c: 'F', 0x7b: 'v', 0x70: 'r', 0x6f: 'e' };
const GC_TYPE_FORMS = new Set([0x4e, 0x50, 0x4f, 0x5f, 0x5e]);
const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
const utf8 = new TextDecoder('utf-8', { fatal: true });

function corrupt(detail: string): ModuleFormatError {
  return new ModuleFormatError(`Failed to parse corrupted Wasm module: ${detail}`);
}

class Reader {
  constructor(private readonly bytes: Uint8Array, public pos: number, readonly end: number) {}
  byte(): number {
    if (this.pos >= this.end) throw corrupt(`unexpected end of data at offset ${this.pos}`);
    return this.bytes[this.pos++]!;
  }
  leb(bits: 32 | 64 = 32): number {
    try {
      const { value, next } = readUleb(this.bytes, this.pos, this.end, bits);
      this.pos = next;
      return value;
    } catch (error) {
      throw error instanceof LebError ? corrupt(error.message) : error;
    }
  }
  sub(size: number): Reader {
    if (size > this.end - this.pos) throw corrupt(`${size} bytes at offset ${this.pos} overrun their enclosing bounds`);
    this.pos += size;
    return new Reader(this.bytes, this.pos - size, this.pos);
  }
  name(): string {
    const r = this.sub(this.leb());
    try {
      return utf8.decode(r.bytes.subarray(r.pos, r.end));
    } catch {
      throw corrupt(`invalid UTF-8 name at offset ${r.pos}`);
    }
  }
  kind(): ExternKind {
    const kind = this.byte();
    if (kind >= KINDS.length) throw corrupt(`invalid extern kind ${kind} at offset ${this.pos - 1}`);
    return KINDS[kind]!;
  }
  valueType(): string {
    const b = this.byte();
    if (b === 0x63 || b === 0x64) for (let n = 1; this.byte() & 0x80; n++) if (n === 5) throw corrupt(`heap type too long at offset ${this.pos - 1}`);
    return VALUE_LETTERS[b] ?? '?';
  }
  limits(): { min: number; max?: number } {
    const flags = this.byte();
    if (flags > 7) throw corrupt(`invalid limits flags 0x${flags.toString(16)} at offset ${this.pos - 1}`);
    const min = this.leb(flags & 4 ? 64 : 32);
    return flags & 1 ? { min, max: this.leb(flags & 4 ? 64 : 32) } : { min };
  }
  done(what: string): void {
    if (this.pos !== this.end) throw corrupt(`${what} has ${this.end - this.pos} unread trailing bytes at offset ${this.pos}`);
  }
}

function readFuncType(r: Reader): string {
  const form = r.byte();
  if (GC_TYPE_FORMS.has(form)) throw new ModuleFormatError(`Wasm GC types are not supported (type form 0x${form.toString(16)})`);
  if (form !== 0x60) throw corrupt(`invalid type form 0x${form.toString(16)} at offset ${r.pos - 1}`);
  const list = (): string => Array.from({ length: r.leb() }, () => r.valueType()).join('');
  return [list(), list()].join(':');
}

function checkNameSection(r: Reader): void {
  while (r.pos < r.end) {
    const id = r.byte();
    const sub = r.sub(r.leb());
    if (id !== 1) continue;
    for (let n = sub.leb(); n > 0; n--) {
      sub.leb();
      sub.sub(sub.leb());
    }
    sub.done('function name subsection');
  }
}

export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  if (bytes.length < 8) throw corrupt(`${bytes.length} bytes is shorter than the 8-byte header`);
  if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw corrupt('bad magic number');
  const version = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
  if (version !== 1) throw corrupt(`unsupported version ${version}`);

  const info: ModuleInfo = { imports: [], exports: [], customSections: [] };
  const types: string[] = [];
  const funcTypes: string[] = [];
  const memories: MemoryInfo[] = [];
  const typeAt = (index: number): string => {
    if (index >= types.length) throw corrupt(`type index ${index} out of range`);
    return types[index]!;
  };
  const readImport = (s: Reader): ImportEntry => {
    const entry: ImportEntry = { module: s.name(), name: s.name(), kind: s.kind() };
    if (entry.kind === 'func') funcTypes.push((entry.signature = typeAt(s.leb())));
    else if (entry.kind === 'memory') memories.push({ ...s.limits(), imported: true });
    else if (entry.kind === 'table') (s.valueType(), s.limits());
    else if (entry.kind === 'global') {
      s.valueType();
      if (s.byte() > 1) throw corrupt(`invalid global mutability at offset ${s.pos - 1}`);
    } else if (s.byte() !== 0) throw corrupt(`invalid tag attribute at offset ${s.pos - 1}`);
    else typeAt(s.leb());
    return entry;
  };
  const readExport = (s: Reader): ExportEntry => {
    const entry: ExportEntry = { name: s.name(), kind: s.kind(), index: s.leb() };
    if (entry.kind !== 'func') return entry;
    if (entry.index >= funcTypes.length) throw corrupt(`exported function index ${entry.index} out of range`);
    return { ...entry, signature: funcTypes[entry.index] };
  };

  const r = new Reader(bytes, 8, bytes.length);
  let lastRank = -1;
  while (r.pos < r.end) {
    const id = r.byte();
    const s = r.sub(r.leb());
    if (id === 0) {
      info.customSections.push(s.name());
      if (info.customSections.at(-1) === 'name') checkNameSection(s);
      continue;
    }
    const rank = SECTION_ORDER.indexOf(id);
    if (rank < 0) throw corrupt(`unknown section id ${id}`);
    if (rank <= lastRank) throw corrupt(`section id ${id} is duplicated or out of order`);
    lastRank = rank;
    if (![1, 2, 3, 5, 7].includes(id)) continue;
    for (let n = s.leb(); n > 0; n--) {
      if (id === 1) types.push(readFuncType(s));
      else if (id === 2) info.imports.push(readImport(s));
      else if (id === 3) funcTypes.push(typeAt(s.leb()));
      else if (id === 5) memories.push({ ...s.limits(), imported: false });
      else info.exports.push(readExport(s));
    }
    s.done(`section ${id}`);
  }
  if (memories[0]) info.memory = memories[0];
  return info;
}
