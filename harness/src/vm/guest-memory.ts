/**
 * Reads and writes a guest's linear memory the way Envoy does (reference §6): every pointer/size pair is
 * checked against the current memory size, out-params are u32/u64 little-endian, and data handed to the
 * guest goes into blocks obtained from the guest's own allocator (skipped for empty data).
 */
import { Status, type StatusCode } from '../../../facts/proxy-wasm/enums.ts';
import { decodeUtf8 } from '../codec/utf8.ts';

export class MemoryAccessError extends Error {}


export class GuestMemory {
  private buffer: ArrayBuffer = new ArrayBuffer(0);
  private bytes = new Uint8Array(0);
  private view = new DataView(this.buffer);

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly allocate: (size: number) => number,
  ) {}

  /**
   * Views over the current buffer; memory growth detaches the old buffer (its length becomes 0), so they
   * are refreshed then, without reading `memory.buffer` on every access.
   */
  private views(): GuestMemory {
    if (this.bytes.length === 0 && this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer as ArrayBuffer;
      this.bytes = new Uint8Array(this.buffer);
      this.view = new DataView(this.buffer);
    }
    return this;
  }

  get size(): number {
    return this.views().bytes.length;
  }

  get pages(): number {
    return this.size / 65536;
  }

  check(ptr: number, size: number): void {
    if (ptr < 0 || size < 0 || ptr + size > this.size) {
      throw new MemoryAccessError(`range ${ptr}+${size} is outside linear memory of ${this.size} bytes`);
    }
  }

  read(ptr: number, size: number): Uint8Array {
    ptr >>>= 0;
    size >>>= 0;
    this.check(ptr, size);
    return this.views().bytes.slice(ptr, ptr + size);
  }

  /** The bytes at `ptr` without a copy, for a caller that decodes them before the guest runs again. */
  peek(ptr: number, size: number): Uint8Array {
    ptr >>>= 0;
    size >>>= 0;
    this.check(ptr, size);
    return this.views().bytes.subarray(ptr, ptr + size);
  }

  readString(ptr: number, size: number): string {
    ptr >>>= 0;
    size >>>= 0;
    this.check(ptr, size);
    return size === 0 ? '' : decodeUtf8(this.views().bytes.subarray(ptr, ptr + size));
  }

  writeU32(ptr: number, value: number): void {
    ptr >>>= 0;
    this.check(ptr, 4);
    this.views().view.setUint32(ptr, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    ptr >>>= 0;
    this.check(ptr, 8);
    this.views().view.setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  write(ptr: number, data: Uint8Array): void {
    ptr >>>= 0;
    this.check(ptr, data.length);
    this.views().bytes.set(data, ptr);
  }

  /** Hands `data` to the guest: malloc + copy, then pointer and size into the two out-params. */
  give(data: Uint8Array, retPtr: number, retSize: number): StatusCode {
    retPtr >>>= 0;
    retSize >>>= 0;
    this.check(retPtr, 4);
    this.check(retSize, 4);
    if (data.length === 0) {
      this.writeU32(retPtr, 0);
      this.writeU32(retSize, 0);
      return Status.Ok;
    }
    const ptr = this.allocate(data.length) >>> 0;
    if (ptr === 0) return Status.InvalidMemoryAccess;
    if (ptr + data.length > this.size) return Status.InvalidMemoryAccess;
    this.write(ptr, data);
    this.writeU32(retPtr, ptr);
    this.writeU32(retSize, data.length);
    return Status.Ok;
  }
}
