/**
 * Every line a plugin logs (proxy_log, WASI stdout/stderr) and every line the emulated Envoy logs about
 * the plugin (load failures, traps, unimplemented calls), kept in order for tests to read back.
 */
import type { LogLevelName } from '../../../facts/proxy-wasm/enums.ts';

export interface LogEntry {
  level: LogLevelName;
  message: string;
  source: 'plugin' | 'host';
  vm: number;
}

export class LogStore {
  readonly entries: LogEntry[] = [];
  private listeners: Array<(entry: LogEntry) => void> = [];

  add(entry: LogEntry): void {
    this.entries.push(entry);
    for (const listener of this.listeners) listener(entry);
  }

  onEntry(listener: (entry: LogEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Plugin messages, optionally of one level only. */
  messages(level?: LogLevelName): string[] {
    return this.entries.filter((e) => e.source === 'plugin' && (!level || e.level === level)).map((e) => e.message);
  }

  /** Lines the host (Envoy) wrote about the plugin. */
  hostMessages(level?: LogLevelName): string[] {
    return this.entries.filter((e) => e.source === 'host' && (!level || e.level === level)).map((e) => e.message);
  }
}
