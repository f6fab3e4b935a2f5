/** `proxy_log` and `proxy_get_log_level`: plugin log lines by level (reference §3, §4). */
import { LOG_LEVEL_NAMES, LogLevel, Status } from '../../../facts/proxy-wasm/enums.ts';
import type { VmInstance } from '../vm/vm.ts';

export function logImports(vm: VmInstance) {
  return {
    proxy_log(level: number, ptr: number, size: number): number {
      const name = LOG_LEVEL_NAMES[level >>> 0];
      if (!name) return Status.BadArgument;
      vm.log(name, vm.memory.readString(ptr, size));
      return Status.Ok;
    },
    proxy_get_log_level(ret: number): number {
      vm.memory.writeU32(ret, LogLevel[vm.core.options.logLevel]);
      return Status.Ok;
    },
  };
}
