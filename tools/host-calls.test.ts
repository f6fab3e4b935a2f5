/** plugin/sdk/host-calls.ts is what tools/host-calls.ts generates from engine/glue-abi.ts now. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { HOST_CALLS_FILE, hostCallsSource } from './host-calls.ts';

it('plugin/sdk/host-calls.ts is up to date with the glue table (npm run generate:host-calls)', () => {
  expect(readFileSync(HOST_CALLS_FILE, 'utf8')).toBe(hostCallsSource());
});
