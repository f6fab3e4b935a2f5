/**
 * Envoy attributes and filter state, typed as Envoy serialises them: strings and bytes raw, int64 (and
 * durations, timestamps) as 8 little-endian bytes, bools as one byte. `getProperty(['request', 'path'])`
 * reads; `setProperty` writes filter state `wasm.<name>` (Higress control keys such as
 * `set_decoder_buffer_limit` included). A path array's encoding is kept for as long as the array lives,
 * so hot paths pass module-level constants.
 */
import * as host from './host-calls.ts';
import { Status, raise } from './abi.ts';
import { decodeUtf8, encodeUtf8 } from './codec.ts';

const encoded = new WeakMap<readonly string[], ArrayBuffer>();

/** The path as Envoy reads it (segments joined by NUL), encoded once per path array: pass constants. */
function pathBytes(path: readonly string[]): ArrayBuffer {
  let bytes = encoded.get(path);
  if (!bytes) encoded.set(path, (bytes = encodeUtf8(path.join('\0'))));
  return bytes;
}

export function getPropertyBytes(path: readonly string[]): ArrayBuffer | undefined {
  const value = host.getProperty(pathBytes(path));
  if (typeof value === 'number') {
    if (value === Status.NotFound) return undefined;
    if (value !== Status.Ok) raise(`get property ${path.join('.')}`, value);
  }
  return value as ArrayBuffer;
}

/** A string attribute; bytes that are not UTF-8 are decoded with U+FFFD as TextDecoder does. */
export function getProperty(path: readonly string[]): string | undefined {
  const value = host.getPropertyText(pathBytes(path));
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (value === Status.NotFound) return undefined;
    raise(`get property ${path.join('.')}`, value);
  }
  return decodeUtf8(value);
}

/** An int64 attribute (e.g. `response.code`) as a number. */
export function getPropertyNumber(path: readonly string[]): number | undefined {
  const value = getPropertyInt64(path);
  return value === undefined ? undefined : Number(value);
}

/** An int64 attribute (e.g. `request.size`, durations and timestamps in ns), exactly. */
export function getPropertyInt64(path: readonly string[]): bigint | undefined {
  const bytes = getPropertyBytes(path);
  if (!bytes || bytes.byteLength !== 8) return undefined;
  return new DataView(bytes).getBigInt64(0, true);
}

/** A bool attribute (e.g. `connection.mtls`). */
export function getPropertyBoolean(path: readonly string[]): boolean | undefined {
  const bytes = getPropertyBytes(path);
  if (!bytes || bytes.byteLength !== 1) return undefined;
  return new Uint8Array(bytes)[0] !== 0;
}

/** Writes `value` as UTF-8 (a lone surrogate becomes U+FFFD). */
export function setProperty(path: readonly string[], value: string): void {
  const status = host.setPropertyText(pathBytes(path), value.isWellFormed() ? value : value.toWellFormed());
  if (status !== Status.Ok) raise(`set property ${path.join('.')}`, status);
}
