/**
 * The TypeScript Proxy-Wasm SDK: extend `RootContext`/`HttpContext`, register with
 * `registerRootContext`, and build with `npm run build`.
 */
export { Action, HostError, LogLevel, Status } from './abi.ts';
export { RootContext, HttpContext, type HookResult, type CalloutHandler } from './contexts.ts';
export { registerRootContext, describeError } from './dispatcher.ts';
export { HeaderMap } from './headers.ts';
export { log } from './log.ts';
export { getProperty, getPropertyBytes, getPropertyNumber, setProperty } from './properties.ts';
export { readText, readBuffer, replaceBuffer, appendBuffer } from './buffers.ts';
export { bufferBody, streamChunks, type BufferOptions } from './body.ts';
export { CalloutError, type CalloutRequest, type CalloutResponse } from './callouts.ts';
export { sharedData, sharedQueue, type SharedValue } from './shared.ts';
export { Counter, Gauge, Histogram, metric } from './metrics.ts';
export { now, randomBytes, randomInt } from './runtime.ts';
export { MAX_JSON_DEPTH, jsonDepth, parseJson, type JsonResult } from './json.ts';
export { encodeUtf8, decodeUtf8, isValidUtf8, utf8, encodePairs, decodePairs, type HeaderPairs } from './codec.ts';
export {
  ConfigError,
  describeValue,
  fieldPath,
  isJsonObject,
  readString,
  readNumber,
  readBoolean,
  readStringArray,
  readObject,
  type Presence,
  type StringOptions,
  type NumberOptions,
  type StringArrayOptions,
} from './config-error.ts';
export {
  parseRuleSet,
  selectRule,
  matchesDomain,
  matchesService,
  type RequestFacts,
  type CompiledRule,
  type RuleSet,
} from './higress/rules.ts';
export { HigressRootContext } from './higress/root.ts';
