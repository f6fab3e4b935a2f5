/**
 * The WASI functions of Envoy's old 15-function set, with Envoy's behaviour (reference §7): stdout/stderr
 * become log lines, no files, VM environment variables, wall and monotonic clocks, random bytes ≤ 64 KiB,
 * `proc_exit` logs and returns.
 */
import { randomFillSync } from 'node:crypto';
import { WasiErrno } from '../abi/enums.ts';
import type { VmInstance } from '../vm/vm.ts';

const encoder = new TextEncoder();

export function wasiImports(vm: VmInstance) {
  const mem = () => vm.memory;
  const environ = () => Object.entries(vm.core.options.environment).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
  return {
    fd_write(fd: number, iovs: number, count: number, nwritten: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.BADF;
      const parts: Uint8Array[] = [];
      const table = new DataView(mem().read(iovs, count * 8).buffer);
      for (let i = 0; i < count; i++) parts.push(mem().read(table.getUint32(i * 8, true), table.getUint32(i * 8 + 4, true)));
      const total = parts.reduce((n, p) => n + p.length, 0);
      mem().writeU32(nwritten, total);
      let text = Buffer.concat(parts).toString('utf8');
      if (text.endsWith('\n')) text = text.slice(0, -1);
      if (total > 0) vm.log(fd === 1 ? 'info' : 'error', text);
      return WasiErrno.SUCCESS;
    },
    fd_read: () => WasiErrno.NOSYS,
    fd_seek(): number {
      vm.log('error', 'wasi fd_seek is not supported', 'host');
      return WasiErrno.SUCCESS;
    },
    fd_close(): number {
      vm.log('error', 'wasi fd_close is not supported', 'host');
      return WasiErrno.SUCCESS;
    },
    fd_fdstat_get(fd: number, buf: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.BADF;
      const stat = new Uint8Array(24);
      new DataView(stat.buffer).setBigUint64(8, 64n, true);
      mem().write(buf, stat);
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
      mem().write(buf, randomFillSync(new Uint8Array(len >>> 0)));
      return WasiErrno.SUCCESS;
    },
    proc_exit(code: number): void {
      vm.log('error', `wasi proc_exit(${code}) called; Envoy ignores it`, 'host');
    },
    path_open: () => WasiErrno.NOENT,
    fd_prestat_get: () => WasiErrno.BADF,
    fd_prestat_dir_name: () => WasiErrno.NOSYS,
  };
}
