/**
 * Body and configuration buffers (Envoy semantics: reads clamp to what exists; writes either replace
 * from the start or append). Bodies are read as text (UTF-8) or bytes.
 */
import { HostFn, Status, call, check } from './abi.ts';
import { decodeUtf8, encodeUtf8 } from './codec.ts';

export function readBuffer(type: number, start = 0, length = 0x7fffffff): ArrayBuffer | undefined {
  const value = call(HostFn.getBufferBytes, type, start, length);
  if (typeof value === 'number') {
    if (value === Status.NotFound) return undefined;
    check('get buffer', value);
  }
  return value as ArrayBuffer;
}

export function bufferSize(type: number): number {
  const value = call(HostFn.getBufferStatus, type) as number;
  return value < 0 ? 0 : value;
}

/** Replaces the first `length` bytes (all by default) of the buffer with `data`. */
export function replaceBuffer(type: number, data: string | ArrayBuffer, length = 0x7fffffff): void {
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  check('set buffer', call(HostFn.setBufferBytes, type, 0, length, bytes));
}

export function appendBuffer(type: number, data: string | ArrayBuffer): void {
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  check('append buffer', call(HostFn.setBufferBytes, type, bufferSize(type), 0, bytes));
}

export function readText(type: number): string {
  const bytes = readBuffer(type);
  return bytes ? decodeUtf8(bytes) : '';
}

