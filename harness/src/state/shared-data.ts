/**
 * Envoy's process-wide shared data (reference §4): one key space for all VMs of a vm_id, a CAS value
 * per key, a fresh global CAS on every successful set.
 */
import { Status, type StatusCode } from '../../../facts/proxy-wasm/enums.ts';

export interface SharedEntry {
  value: Uint8Array;
  cas: number;
}

export class SharedData {
  private readonly entries = new Map<string, SharedEntry>();
  private nextCas = 1;

  get(key: string): SharedEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: Uint8Array, cas: number): StatusCode {
    const existing = this.entries.get(key);
    if (existing && cas !== 0 && cas !== existing.cas) return Status.CasMismatch;
    this.entries.set(key, { value: value.slice(), cas: this.nextCas++ });
    return Status.Ok;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
