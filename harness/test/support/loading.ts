/**
 * Setup shared by the loading and start-up self-tests: `u32` reads a little-endian word from a VM's
 * memory, `request` is a minimal GET request's headers, and `reason` expects `createHost` to reject with
 * a `PluginLoadError` and returns Envoy's reason from it.
 */
import { expect } from 'vitest';
import { createHost, PluginLoadError, type HostOptions } from '../../src/index.ts';
import type { VmInstance } from '../../src/vm/vm.ts';

export const u32 = (vm: VmInstance, addr: number) => new DataView(vm.memory.read(addr, 4).buffer).getUint32(0, true);
export const request = { ':method': 'GET', ':path': '/', ':authority': 'a' };

export async function reason(options: HostOptions): Promise<string> {
  const error = await createHost(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginLoadError);
  return (error as PluginLoadError).reason;
}
