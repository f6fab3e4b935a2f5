/**
 * The harness's public API: a Node.js Proxy-Wasm host that behaves like Envoy/Higress.
 * See harness/README.md for a complete example.
 */
export { createHost, Host } from './host.ts';
export type { HostOptions } from './options.ts';
export { PluginLoadError } from './guest/link.ts';
export { HttpStream, type StepResult } from './stream/http-stream.ts';
export type { HeadersInput } from './stream/inputs.ts';
export type { ExchangeRequest, ExchangeOptions, ExchangeResult } from './exchange.ts';
export { StreamStalled } from './exchange.ts';
export type { UpstreamHandler, UpstreamRequest, UpstreamResponse } from './callouts/upstream.ts';
export type { CalloutRecord } from './callouts/callout-record.ts';
export { Status, LogLevel, BufferType, MapType } from '../../facts/proxy-wasm/enums.ts';
export { encodePairs, decodePairs } from './codec/pairs.ts';
