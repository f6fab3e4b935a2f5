/**
 * Setup shared by the loading and start-up self-tests: `request` is a minimal GET request's headers, and
 * `reason` expects `createHost` to reject with a `PluginLoadError` and returns Envoy's reason from it.
 */
import { expect } from 'vitest';
import { createHost, PluginLoadError, type HostOptions } from '../../src/index.ts';

export const request = { ':method': 'GET', ':path': '/', ':authority': 'a' };

export async function reason(options: HostOptions): Promise<string> {
  const error = await createHost(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginLoadError);
  return (error as PluginLoadError).reason;
}
