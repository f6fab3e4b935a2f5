/** Plugin logging through `proxy_log`, with Envoy's levels; messages are logged as given. */
import { HostFn, LogLevel, call, type LogLevelName } from './abi.ts';

function emit(level: number, message: string): void {
  call(HostFn.log, level, message);
}

export const log = {
  trace: (message: string) => emit(LogLevel.trace, message),
  debug: (message: string) => emit(LogLevel.debug, message),
  info: (message: string) => emit(LogLevel.info, message),
  warn: (message: string) => emit(LogLevel.warn, message),
  error: (message: string) => emit(LogLevel.error, message),
  critical: (message: string) => emit(LogLevel.critical, message),
  /** Envoy's current wasm log level, so costly messages can be skipped. */
  level(): LogLevelName {
    const value = call(HostFn.getLogLevel) as number;
    return (Object.keys(LogLevel) as LogLevelName[])[value] ?? 'critical';
  },
};
