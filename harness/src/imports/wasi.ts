/**
 * The WASI functions of Envoy's old 15-function set, with Envoy's behaviour (reference §7): stdout/stderr
 * become log lines, no files, VM environment variables, wall and monotonic clocks, random bytes ≤ 64 KiB,
 * `proc_exit` logs and returns. `fd_seek`/`fd_close`/`proc_exit` go through Envoy's `Context::error`,
 * which writes the line at trace level; `fd_fdstat_get` ignores a bad stat pointer, as cpp-host does.
 */
import { randomFillSync } from 'node:crypto';
import { WasiErrno } from '../../../facts/proxy-wasm/enums.ts';
import { MemoryAccessError } from '../vm/guest-memory.ts';
import type { VmInstance } from '../vm/vm.ts';

const encoder = new TextEncoder();

export function wasiImports(vm: VmInstance) {
  const mem = () => vm.memory;
  const environ = () => Object.entries(vm.core.options.environment).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
  return {
    fd_write(fd: number, iovs: number, count: number, nwritten: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.BADF;
      const parts: Uint8Array[] = [];
      for (let i = 0; i < count >>> 0; i++) {
        const at = (iovs >>> 0) + i * 8;
        mem().check(at, 8);
        const entry = new DataView(mem().read(at, 8).buffer);
        const length = entry.getUint32(4, true);
        if (length !== 0) parts.push(mem().read(entry.getUint32(0, true), length));
      }
      const bytes = Buffer.concat(parts);
      if (bytes.length > 0) {
        const end = bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
        vm.log(fd === 1 ? 'info' : 'error', bytes.subarray(0, end).toString('utf8'));
      }
      mem().writeU32(nwritten, bytes.length);
      return WasiErrno.SUCCESS;
    },
    fd_read: () => WasiErrno.NOSYS,
    fd_seek(): number {
      vm.log('trace', 'wasi_unstable fd_seek', 'host');
      return WasiErrno.SUCCESS;
    },
    fd_close(): number {
      vm.log('trace', 'wasi_unstable fd_close', 'host');
      return WasiErrno.SUCCESS;
    },
    fd_fdstat_get(fd: number, buf: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.BADF;
      const stat = new Uint8Array(24);
      new DataView(stat.buffer).setBigUint64(8, 64n, true);
      try {
        mem().write(buf, stat);
      } catch (error) {
        if (!(error instanceof MemoryAccessError)) throw error;
      }
      return WasiErrno.SUCCESS;
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      const env = environ();
      mem().writeU32(countPtr, env.length);
      mem().writeU32(sizePtr, env.reduce((n, e) => n + e.length, 0));
      return WasiErrno.SUCCESS;
    },
    environ_get(ptrs: number, buf: number): number {
      let offset = buf >>> 0;
      environ().forEach((entry, i) => {
        mem().writeU32(ptrs + i * 4, offset);
        mem().write(offset, entry);
        offset += entry.length;
      });
      return WasiErrno.SUCCESS;
    },
    args_sizes_get(countPtr: number, sizePtr: number): number {
      mem().writeU32(countPtr, 0);
      mem().writeU32(sizePtr, 0);
      return WasiErrno.SUCCESS;
    },
    args_get: () => WasiErrno.SUCCESS,
    clock_time_get(id: number, _precision: bigint, ret: number): number {
      if (id === 0) mem().writeU64(ret, vm.core.clock.wallNs());
      else if (id === 1) mem().writeU64(ret, vm.core.clock.monotonicNs());
      else return WasiErrno.NOTSUP;
      return WasiErrno.SUCCESS;
    },
    random_get(buf: number, len: number): number {
      if (len >>> 0 > 65536) return WasiErrno.INVAL;
      if (len >>> 0 === 0) return WasiErrno.SUCCESS;
      mem().write(buf, randomFillSync(new Uint8Array(len >>> 0)));
      return WasiErrno.SUCCESS;
    },
    proc_exit(): void {
      vm.log('trace', 'wasi_unstable proc_exit', 'host');
    },
    path_open: () => WasiErrno.NOENT,
    fd_prestat_get: () => WasiErrno.BADF,
    fd_prestat_dir_name: () => WasiErrno.NOSYS,
  };
}
