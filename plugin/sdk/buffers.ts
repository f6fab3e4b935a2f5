/**
 * Envoy's buffers by name — the request and response bodies of the current stream, a callout's answer
 * body, the VM and plugin configurations — with Envoy's semantics: reads clamp to what exists; a body
 * is written by replacing from the start, prepending or appending (no splice in the middle), and the
 * other buffers are read-only. `BodyBuffer` is the typed form plugins use.
 */
import * as host from './host-calls.ts';
import { BufferType, Status, check } from './abi.ts';
import { decodeUtf8, encodeUtf8 } from './codec.ts';

export type BufferName = 'request body' | 'response body' | 'callout body' | 'vm configuration' | 'plugin configuration';

const TYPES: Record<BufferName, number> = {
  'request body': BufferType.RequestBody,
  'response body': BufferType.ResponseBody,
  'callout body': BufferType.HttpCallResponseBody,
  'vm configuration': BufferType.VmConfiguration,
  'plugin configuration': BufferType.PluginConfiguration,
};

const typeOf = (buffer: BufferName | number): number => (typeof buffer === 'number' ? buffer : TYPES[buffer]);
const bytesOf = (data: string | ArrayBuffer): ArrayBuffer => (typeof data === 'string' ? encodeUtf8(data) : data);

/** The bytes of `buffer` from `start` (at most `length`), or undefined when Envoy has no such buffer now. */
export function readBuffer(buffer: BufferName | number, start = 0, length = 0x7fffffff): ArrayBuffer | undefined {
  const value = host.getBufferBytes(typeOf(buffer), start, length);
  if (typeof value === 'number') {
    if (value === Status.NotFound) return undefined;
    check('get buffer', value);
  }
  return value as ArrayBuffer;
}

/**
 * The bytes [start, end) of a body: of `bytes` when it was read into JS, else read where Envoy holds it
 * (empty when it holds none).
 */
export function bodyBytes(body: 'request body' | 'response body', bytes: Uint8Array | undefined, start = 0, end = 0x7fffffff): Uint8Array {
  if (bytes) return bytes.subarray(start, end);
  const read = readBuffer(body, start, end - start);
  return read ? new Uint8Array(read) : new Uint8Array(0);
}

export function bufferSize(buffer: BufferName | number): number {
  const value = host.getBufferStatus(typeOf(buffer)) as number;
  return value < 0 ? 0 : value;
}

/** Replaces the first `length` bytes (all by default) of the buffer with `data`; `length` 0 prepends. */
export function replaceBuffer(buffer: BufferName | number, data: string | ArrayBuffer, length = 0x7fffffff): void {
  check('set buffer', host.setBufferBytes(typeOf(buffer), 0, length, bytesOf(data)));
}

export function appendBuffer(buffer: BufferName | number, data: string | ArrayBuffer): void {
  check('append buffer', host.setBufferBytes(typeOf(buffer), bufferSize(buffer), 0, bytesOf(data)));
}

export function readText(buffer: BufferName | number): string {
  const bytes = readBuffer(buffer);
  return bytes ? decodeUtf8(bytes) : '';
}

/** One body of the current stream as Envoy shows it in the running body callback. */
export class BodyBuffer {
  constructor(readonly name: 'request body' | 'response body') {}

  /** The bytes from `start` (at most `length`); empty outside a body callback. */
  read(start = 0, length?: number): ArrayBuffer {
    return readBuffer(this.name, start, length) ?? new ArrayBuffer(0);
  }
  text(): string {
    return decodeUtf8(this.read());
  }
  get size(): number {
    return bufferSize(this.name);
  }
  /** Replaces what the callback sees (and what Envoy forwards) with `data`. */
  replace(data: string | ArrayBuffer): void {
    replaceBuffer(this.name, data);
  }
  append(data: string | ArrayBuffer): void {
    appendBuffer(this.name, data);
  }
  prepend(data: string | ArrayBuffer): void {
    replaceBuffer(this.name, data, 0);
  }
  /**
   * Replaces byte ranges of the body where Envoy holds it, in one host call and without reading it
   * into JS: each splice replaces [start, end) with its bytes; splices must be in order and disjoint.
   */
  splice(splices: ReadonlyArray<BodySplice>): void {
    const status = host.spliceBody(typeOf(this.name), encodeSplices(splices));
    if (status === -1) throw new RangeError(`splice ${this.name}: splices must be in order, disjoint and within the body`);
    check(`splice ${this.name}`, status < -1 ? -status - 2 : status);
  }
}

export interface BodySplice {
  start: number;
  end: number;
  bytes: Uint8Array;
}

/** Where splice lists are written before being copied out at their size (typed arrays cost more to make than to fill). */
const SPLICE_SCRATCH = new ArrayBuffer(4096);
const SCRATCH_WORDS = new Uint32Array(SPLICE_SCRATCH);
const SCRATCH_BYTES = new Uint8Array(SPLICE_SCRATCH);

/** The engine's splice list: u32 count, (start, end, length) per splice, then the bytes end to end. */
function encodeSplices(splices: ReadonlyArray<BodySplice>): ArrayBuffer {
  const count = splices.length;
  let size = 4 + 12 * count;
  for (let k = 0; k < count; k++) size += splices[k].bytes.length;
  const fits = size <= SPLICE_SCRATCH.byteLength;
  const bytes = fits ? SCRATCH_BYTES : new Uint8Array(size);
  const words = fits ? SCRATCH_WORDS : new Uint32Array(bytes.buffer, 0, 1 + 3 * count);
  words[0] = count;
  let at = 4 + 12 * count;
  for (let k = 0; k < count; k++) {
    const splice = splices[k];
    const data = splice.bytes;
    words[1 + 3 * k] = splice.start;
    words[2 + 3 * k] = splice.end;
    words[3 + 3 * k] = data.length;
    bytes.set(data, at);
    at += data.length;
  }
  return fits ? SPLICE_SCRATCH.slice(0, size) : (bytes.buffer as ArrayBuffer);
}
