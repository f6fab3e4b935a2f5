/**
 * Emulates Envoy's V8 cap on Wasm memory (16384 pages) by rewriting the module's own memory
 * declaration so its maximum never exceeds the host limit; memory.grow past it then returns -1
 * inside the guest. Owns only that byte rewrite: an imported memory is not touched.
 */
import { LebError, encodeUleb, readUleb } from './leb128.ts';

function readU32(bytes: Uint8Array, pos: number): { value: number; next: number } {
  try {
    return readUleb(bytes, pos);
  } catch (error) {
    throw error instanceof LebError ? new Error(`malformed LEB128 in Wasm module: ${error.message}`) : error;
  }
}

export function capMemoryPages(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isInteger(maxPages) || maxPages < 0 || maxPages > 65536) throw new RangeError(`invalid memory page limit ${maxPages}`);
  let pos = 8;
  while (pos < bytes.length) {
    const sectionStart = pos;
    const id = bytes[pos]!;
    const size = readU32(bytes, pos + 1);
    const bodyEnd = size.next + size.value;
    if (bodyEnd > bytes.length) throw new Error(`Wasm section ${id} at offset ${sectionStart} overruns the module`);
    if (id === 5) return rewriteMemorySection(bytes, sectionStart, size.next, bodyEnd, maxPages);
    pos = bodyEnd;
  }
  return bytes;
}

function rewriteMemorySection(bytes: Uint8Array, sectionStart: number, bodyStart: number, bodyEnd: number, maxPages: number): Uint8Array {
  const count = readU32(bytes, bodyStart);
  if (count.value === 0) return bytes;
  const limitsStart = count.next;
  const flags = bytes[limitsStart]!;
  const unsupported = [flags & 2 && 'shared memory', flags & 4 && 'memory64'].filter(Boolean);
  if (unsupported.length > 0) throw new Error(`${unsupported.join(' and ')} is not supported`);
  if (flags > 1) throw new Error(`memory limits flags 0x${flags.toString(16)} are not supported`);
  const min = readU32(bytes, limitsStart + 1);
  const max = flags === 1 ? readU32(bytes, min.next) : undefined;
  const limitsEnd = max?.next ?? min.next;
  if (limitsEnd > bodyEnd) throw new Error('Wasm memory section overruns its declared size');
  if (min.value > maxPages) throw new Error(`memory minimum of ${min.value} pages exceeds the host limit of ${maxPages} pages`);
  const newMax = Math.min(max?.value ?? maxPages, maxPages);
  const body = [...bytes.subarray(bodyStart, limitsStart), 0x01, ...encodeUleb(min.value), ...encodeUleb(newMax), ...bytes.subarray(limitsEnd, bodyEnd)];
  const header = [0x05, ...encodeUleb(body.length)];
  const out = new Uint8Array(sectionStart + header.length + body.length + bytes.length - bodyEnd);
  out.set(bytes.subarray(0, sectionStart));
  out.set(header, sectionStart);
  out.set(body, sectionStart + header.length);
  out.set(bytes.subarray(bodyEnd), sectionStart + header.length + body.length);
  return out;
}
