/**
 * Plugin logging through `proxy_log`, with Envoy's levels; messages are logged as given. Lines below
 * Envoy's wasm log level are dropped before they cross to the host, and `log.enabled(level)` tells a
 * plugin whether a line is worth building; the level is read from the host at most once per root
 * callback, and once per stream from its request headers on (the dispatcher forgets it then).
 */
import * as host from './host-calls.ts';
import { LogLevel, type LogLevelName } from './abi.ts';

const NAMES = Object.keys(LogLevel) as LogLevelName[];
let current: number | undefined;

function hostLevel(): number {
  return (current ??= host.getLogLevel());
}

function emit(level: number, message: string): void {
  if (level >= hostLevel()) host.log(level, message);
}

/** Forgets the level read so far (Envoy may change it between streams). */
export function forgetLogLevel(): void {
  current = undefined;
}

export const log = {
  trace: (message: string) => emit(LogLevel.trace, message),
  debug: (message: string) => emit(LogLevel.debug, message),
  info: (message: string) => emit(LogLevel.info, message),
  warn: (message: string) => emit(LogLevel.warn, message),
  error: (message: string) => emit(LogLevel.error, message),
  critical: (message: string) => emit(LogLevel.critical, message),
  /** Whether Envoy keeps lines of `level`: guard lines that are costly to build with it. */
  enabled(level: LogLevelName): boolean {
    return LogLevel[level] >= hostLevel();
  },
  /** Envoy's current wasm log level. */
  level(): LogLevelName {
    return NAMES[hostLevel()] ?? 'critical';
  },
};
