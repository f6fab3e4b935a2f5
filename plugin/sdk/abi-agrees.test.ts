/**
 * The SDK's ABI numbers (the guest's copy, plugin/sdk/abi.ts) are Envoy's (the host's, facts/): the
 * two tables stay independent on purpose, and agree value for value wherever both name a thing.
 */
import { describe, expect, it } from 'vitest';
import * as host from '../../facts/proxy-wasm/enums.ts';
import * as guest from './abi.ts';

const HOST_NAME: Record<string, string> = { RequestBody: 'HttpRequestBody', ResponseBody: 'HttpResponseBody' };

describe('SDK and Envoy ABI numbers', () => {
  it.each([
    ['Status', guest.Status, host.Status],
    ['LogLevel', guest.LogLevel, host.LogLevel],
    ['MapType', guest.MapType, host.MapType],
    ['BufferType', guest.BufferType, host.BufferType],
    ['StreamType', guest.StreamType, host.StreamType],
    ['MetricType', guest.MetricType, host.MetricType],
  ] as const)('%s: every value the SDK names is the one Envoy uses', (_name, sdk, envoy) => {
    const mismatches = Object.entries(sdk).filter(([name, value]) => (envoy as Record<string, number>)[HOST_NAME[name] ?? name] !== value);
    expect(mismatches).toEqual([]);
    expect(Object.keys(sdk).length).toBeGreaterThan(1);
  });

  it("maps the SDK's hook results onto Envoy's header and body actions", () => {
    expect(guest.Action.Continue).toBe(host.HeadersAction.Continue);
    expect(guest.Action.Pause).toBe(host.HeadersAction.StopIteration);
    expect(guest.Action.Pause).toBe(host.BodyAction.StopIterationAndBuffer);
    expect(guest.Action.Consume).toBe(host.BodyAction.StopIterationNoBuffer);
  });
});
