/**
 * Envoy attributes and filter state: `getProperty(['request', 'path'])` reads, `setProperty` writes
 * filter state `wasm.<name>` (Higress control keys such as `set_decoder_buffer_limit` included).
 */
import { HostFn, Status, call, check } from './abi.ts';
import { decodeUtf8, encodeUtf8 } from './codec.ts';

function pathBytes(path: readonly string[]): ArrayBuffer {
  return encodeUtf8(path.join('\0'));
}

export function getPropertyBytes(path: readonly string[]): ArrayBuffer | undefined {
  const value = call(HostFn.getProperty, pathBytes(path));
  if (typeof value === 'number') {
    if (value === Status.NotFound) return undefined;
    check(`get property ${path.join('.')}`, value);
  }
  return value as ArrayBuffer;
}

export function getProperty(path: readonly string[]): string | undefined {
  const bytes = getPropertyBytes(path);
  return bytes === undefined ? undefined : decodeUtf8(bytes);
}

/** An int64 attribute (e.g. `response.code`). */
export function getPropertyNumber(path: readonly string[]): number | undefined {
  const bytes = getPropertyBytes(path);
  if (!bytes || bytes.byteLength !== 8) return undefined;
  return Number(new DataView(bytes).getBigInt64(0, true));
}

export function setProperty(path: readonly string[], value: string): void {
  check(`set property ${path.join('.')}`, call(HostFn.setProperty, pathBytes(path), encodeUtf8(value)));
}
