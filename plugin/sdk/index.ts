/**
 * The TypeScript Proxy-Wasm SDK: extend `RootContext`/`HttpContext`, register with
 * `registerRootContext`, and build with `npm run build`. Configuration readers and Higress rules are
 * sub-entries: `plugin/sdk/config/index.ts`, `plugin/sdk/higress/index.ts`.
 */
export { Action, BufferType, HostError, LogLevel, MapType, Status } from './abi.ts';
export { HOOK_ERROR_REPLY, RootContext, HttpContext, type HookResult, type CalloutHandler, type LocalReply } from './contexts.ts';
export { registerRootContext, describeError } from './dispatcher.ts';
export { HeaderMap, HeaderNames, headerValue, type HeaderMapName } from './headers.ts';
export { log } from './log.ts';
export { getProperty, getPropertyBoolean, getPropertyBytes, getPropertyInt64, getPropertyNumber, setProperty } from './properties.ts';
export { BodyBuffer, appendBuffer, bufferSize, readBuffer, readText, replaceBuffer, type BodySplice, type BufferName } from './buffers.ts';
export { bufferBody, holdBodyWhile, holdsBody, streamChunks, type BufferOptions } from './body.ts';
export { CalloutError, type CalloutRequest, type CalloutResponse } from './callouts.ts';
export { sharedData, sharedQueue, type SharedValue } from './shared.ts';
export { Counter, Gauge, Histogram, metric } from './metrics.ts';
export { now, randomBytes, randomInt } from './runtime.ts';
export { MAX_JSON_DEPTH, jsonDepth, parseJson, type JsonResult } from './json.ts';
export { concatBytes, ownBuffer, encodeUtf8, decodeUtf8, isValidUtf8, utf8, encodePairs, decodePairs, type HeaderPairs } from './codec.ts';
export { rememberLast } from './remember-last.ts';
export { buildTarget, requireHigressBuild, TargetConfigError, type BuildTarget } from './target.ts';
export { sha256Hex } from './hash.ts';
export { RedisClient, RedisError, redisInit, type RedisErrorKind, type RedisHandler, type RedisOptions, type RedisResult, type SetOptions } from './redis/client.ts';
export { RedisErrorReply, MAX_REPLY_DEPTH, encodeCommand, parseReply, type RedisArg, type RedisValue } from './redis/resp.ts';
