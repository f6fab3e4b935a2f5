/**
 * The only module of the SDK that knows the Proxy-Wasm ABI's numbers (the guest's own copy of them; a
 * test checks they agree with Envoy's in facts/) and the engine glue's host functions, whose numbering
 * and marshalling engine/glue-abi.ts owns, bound one function each in host-calls.ts (generated): they
 * take JS numbers, strings and ArrayBuffers and answer a status number, or the result value when the
 * status is Ok (a negative number = −status for calls that answer a number). Everything above works
 * with typed values and `HostError`s.
 */

export const Status = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  BadExpression: 5,
  InvalidMemoryAccess: 6,
  Empty: 7,
  CasMismatch: 8,
  ResultMismatch: 9,
  InternalFailure: 10,
  BrokenConnection: 11,
  Unimplemented: 12,
} as const;

export const LogLevel = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, critical: 5 } as const;
export type LogLevelName = keyof typeof LogLevel;

export const MapType = {
  RequestHeaders: 0,
  RequestTrailers: 1,
  ResponseHeaders: 2,
  ResponseTrailers: 3,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;

export const BufferType = {
  RequestBody: 0,
  ResponseBody: 1,
  HttpCallResponseBody: 4,
  VmConfiguration: 6,
  PluginConfiguration: 7,
  /** Higress: the reply of a Redis call, during its callback. */
  RedisCallResponse: 9,
} as const;

export const StreamType = { Request: 0, Response: 1 } as const;
export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;

/**
 * What a hook returns: Envoy continues the stream, or holds it (headers: the whole direction until
 * continue, on either build; body: Envoy buffers the chunk). `Consume` (body hooks only): Envoy neither
 * forwards nor buffers this chunk; the plugin keeps what it needs and puts it back in a later body
 * callback. `PauseHeaders` (headers hooks, Higress build): hold only the headers while the body
 * callbacks keep coming (ABI 0.2.100 StopIteration), so the plugin can read the body before anything
 * goes upstream and still change the headers; vanilla Envoy (0.2.1) turns it into a hold of everything,
 * so a plugin uses it only where `buildTarget()` is `higress`.
 */
export const Action = { Continue: 0, Pause: 1, Consume: 3, PauseHeaders: 0x101 } as const;

export type Action = (typeof Action)[keyof typeof Action];

export { Callback } from '../../engine/glue-abi.ts';

export class HostError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
    detail = '',
  ) {
    super(`${call} failed with status ${statusName(status)} (${status})${detail ? `: ${detail}` : ''}`);
  }
}

export function statusName(status: number): string {
  for (const [name, value] of Object.entries(Status)) if (value === status) return name;
  return 'Unknown';
}

/** Throws HostError unless `status` is Ok. For a message that must be built, test first and call `raise`. */
export function check(callName: string, status: unknown, detail?: string): void {
  if (status !== Status.Ok) throw new HostError(callName, Number(status), detail);
}

/** Throws the HostError of a failed call (so that its message is built only on failure). */
export function raise(callName: string, status: unknown, detail?: string): never {
  throw new HostError(callName, Number(status), detail);
}
