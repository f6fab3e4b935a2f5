/**
 * The contract between the engine glue (engine/glue/*.wat) and the JavaScript that runs on it: the host
 * functions JS calls as `globalThis.__host[index]` — which `proxy_*` import each reaches, how it
 * marshals its arguments and what it answers — and the callback kinds the glue passes to
 * `__proxy_dispatch(kind, …)`. The SDK, the V8 script guest and the test shims read it; a test checks it
 * against the WAT. It has no dependencies, since plugins bundle it.
 *
 * Arguments, each written `kind name`: `i32`/`i64` numbers, `string` (UTF-8, passed as pointer and
 * length), `bytes` (an ArrayBuffer, pointer and length). `outs` are the glue's scratch out-parameters (0, 1, 2) appended to
 * the import's arguments. Answers: `status` the import's status; `u32` the first out-parameter, or
 * −status on failure; `bytes`/`string` the block the host returned, or the status on failure; `text` the
 * block as a string when it is UTF-8, else as bytes, or the status; `u64` the
 * first out-parameter as a number, status ignored; `pairs-text` a header-pairs block as the string of its
 * keys and values each followed by NUL (the block as bytes when that string would not be faithful), or
 * the status; `count` what a native fast path of the glue computed from what the import returned (a
 * count, or a negative code); `scan` a native scan's code, or the string it found; `u64-or-status` the same, or −status on failure;
 * `glue` the glue answers itself (no import, or a WASI one), as its own line in the WAT says.
 */

export type GlueArg = 'i32' | 'i64' | 'string' | 'bytes';
/** An argument: its kind and its name, as the WAT comment of the function names it (`'i32 level'`). */
export type GlueParam = `${GlueArg} ${string}`;
export type GlueAnswer = 'status' | 'u32' | 'bytes' | 'string' | 'text' | 'pairs-text' | 'count' | 'scan' | 'u64' | 'u64-or-status' | 'glue';

export interface HostFunctionSpec {
  readonly name: string;
  /** The Proxy-Wasm import it calls, if any (a native fast path may also read what it rewrites, as its WAT comment says). */
  readonly proxy?: string;
  readonly params: readonly GlueParam[];
  readonly outs: readonly number[];
  readonly answer: GlueAnswer;
}

const f = <N extends string>(name: N, proxy: string | undefined, params: GlueParam[], outs: number[], answer: GlueAnswer) => ({ name, proxy, params, outs, answer });

/** The kind of an argument (`'i32 level'` → `'i32'`). */
export const argKind = (param: GlueParam): GlueArg => param.slice(0, param.indexOf(' ')) as GlueArg;

/** In index order: `__host[i]` is `HOST_FUNCTIONS[i]`. */
export const HOST_FUNCTIONS = [
  f('log', 'proxy_log', ['i32 level', 'string message'], [], 'status'),
  f('getLogLevel', 'proxy_get_log_level', [], [0], 'u32'),
  f('getCurrentTimeNanoseconds', 'proxy_get_current_time_nanoseconds', [], [0], 'u64'),
  f('setTickPeriodMilliseconds', 'proxy_set_tick_period_milliseconds', ['i32 ms'], [], 'status'),
  f('getBufferBytes', 'proxy_get_buffer_bytes', ['i32 type', 'i32 start', 'i32 maxSize'], [0, 1], 'bytes'),
  f('getBufferStatus', 'proxy_get_buffer_status', ['i32 type'], [0, 1], 'u32'),
  f('setBufferBytes', 'proxy_set_buffer_bytes', ['i32 type', 'i32 start', 'i32 length', 'bytes bytes'], [], 'status'),
  f('getHeaderMapPairs', 'proxy_get_header_map_pairs', ['i32 map'], [0, 1], 'bytes'),
  f('setHeaderMapPairs', 'proxy_set_header_map_pairs', ['i32 map', 'bytes pairs'], [], 'status'),
  f('getHeaderMapValue', 'proxy_get_header_map_value', ['i32 map', 'string key'], [0, 1], 'string'),
  f('addHeaderMapValue', 'proxy_add_header_map_value', ['i32 map', 'string key', 'string value'], [], 'status'),
  f('replaceHeaderMapValue', 'proxy_replace_header_map_value', ['i32 map', 'string key', 'string value'], [], 'status'),
  f('removeHeaderMapValue', 'proxy_remove_header_map_value', ['i32 map', 'string key'], [], 'status'),
  f('getProperty', 'proxy_get_property', ['bytes path'], [0, 1], 'bytes'),
  f('setProperty', 'proxy_set_property', ['bytes path', 'bytes value'], [], 'status'),
  f('sendLocalResponse', 'proxy_send_local_response', ['i32 status', 'string details', 'bytes body', 'bytes headers', 'i32 grpcStatus'], [], 'status'),
  f('continueStream', 'proxy_continue_stream', ['i32 type'], [], 'status'),
  f('closeStream', 'proxy_close_stream', ['i32 type'], [], 'status'),
  f('httpCall', 'proxy_http_call', ['string cluster', 'bytes headers', 'bytes body', 'bytes trailers', 'i32 timeoutMs'], [0], 'u32'),
  f('getSharedData', 'proxy_get_shared_data', ['string key'], [0, 1, 2], 'bytes'),
  f('lastU32', undefined, [], [], 'glue'),
  f('setSharedData', 'proxy_set_shared_data', ['string key', 'bytes value', 'i32 cas'], [], 'status'),
  f('registerSharedQueue', 'proxy_register_shared_queue', ['string name'], [0], 'u32'),
  f('resolveSharedQueue', 'proxy_resolve_shared_queue', ['string vmId', 'string name'], [0], 'u32'),
  f('enqueueSharedQueue', 'proxy_enqueue_shared_queue', ['i32 id', 'bytes bytes'], [], 'status'),
  f('dequeueSharedQueue', 'proxy_dequeue_shared_queue', ['i32 id'], [0, 1], 'bytes'),
  f('defineMetric', 'proxy_define_metric', ['i32 type', 'string name'], [0], 'u32'),
  f('incrementMetric', 'proxy_increment_metric', ['i32 id', 'i64 delta'], [], 'status'),
  f('recordMetric', 'proxy_record_metric', ['i32 id', 'i64 value'], [], 'status'),
  f('getMetric', 'proxy_get_metric', ['i32 id'], [0], 'u64-or-status'),
  f('setEffectiveContext', 'proxy_set_effective_context', ['i32 id'], [], 'status'),
  f('done', 'proxy_done', [], [], 'status'),
  f('getStatus', 'proxy_get_status', [], [2, 0, 1], 'string'),
  f('getHeaderMapSize', 'proxy_get_header_map_size', ['i32 map'], [0], 'u32'),
  f('randomBytes', undefined, ['i32 n'], [], 'glue'),
  f('utf8Encode', undefined, ['string string'], [], 'glue'),
  f('utf8Decode', undefined, ['bytes bytes', 'i32 start', 'i32 length'], [], 'glue'),
  f('utf8Valid', undefined, ['bytes bytes', 'i32 start', 'i32 length'], [], 'glue'),
  f('jsonScan', undefined, ['bytes text', 'bytes keys', 'bytes out', 'i32 maxDepth'], [], 'glue'),
  f('sseScan', undefined, ['bytes chunk', 'bytes state', 'bytes out', 'i32 from'], [], 'glue'),
  f('getHeaderMapText', 'proxy_get_header_map_pairs', ['i32 map'], [0, 1], 'pairs-text'),
  f('setHeaderMapText', 'proxy_set_header_map_pairs', ['string pairs', 'i32 count', 'i32 map'], [], 'status'),
  f('sseScanBody', 'proxy_get_buffer_bytes', ['i32 type', 'bytes state', 'bytes out'], [0, 1], 'count'),
  f('getPropertyText', 'proxy_get_property', ['bytes path'], [0, 1], 'text'),
  f('setPropertyText', 'proxy_set_property', ['bytes path', 'string value'], [], 'status'),
  f('rewriteHeaderMap', 'proxy_set_header_map_pairs', ['bytes remove', 'string set', 'i32 count', 'i32 map'], [], 'status'),
  f('spliceBody', 'proxy_set_buffer_bytes', ['i32 type', 'bytes splices'], [], 'status'),
  f('jsonScanBody', 'proxy_get_buffer_bytes', ['i32 type', 'bytes keys', 'bytes out', 'i32 maxDepth', 'i32 stringIndex', 'i32 rawIndex'], [0, 1], 'scan'),
  f('redisInit', 'proxy_redis_init', ['string cluster', 'string username', 'string password', 'i32 timeoutMs'], [], 'status'),
  f('redisCall', 'proxy_redis_call', ['string cluster', 'bytes query'], [0], 'u32'),
  f('buildTarget', undefined, [], [], 'glue'),
  f('sha256', undefined, ['bytes data', 'bytes work'], [], 'glue'),
] as const satisfies readonly HostFunctionSpec[];

export type HostFunctionName = (typeof HOST_FUNCTIONS)[number]['name'];

/** `__host` index of each host function by name. */
export const HostFn = Object.fromEntries(HOST_FUNCTIONS.map((spec, index) => [spec.name, index])) as Readonly<Record<HostFunctionName, number>>;

export interface CallbackSpec {
  readonly name: string;
  /** The Proxy-Wasm export that forwards to the dispatcher with this kind. */
  readonly export: string;
  /** How many of the export's arguments the dispatcher gets (the rest are 0). */
  readonly arity: number;
  /** What the export returns when the dispatcher throws; absent for a callback without a result. */
  readonly onThrow?: number;
}

const c = <N extends string>(name: N, exported: string, arity: number, onThrow?: number) => ({ name, export: `proxy_on_${exported}`, arity, onThrow });

/** In kind order: the dispatcher's first argument is the index here. */
export const CALLBACKS = [
  c('ContextCreate', 'context_create', 2),
  c('VmStart', 'vm_start', 2, 0),
  c('Configure', 'configure', 2, 0),
  c('Tick', 'tick', 1),
  c('QueueReady', 'queue_ready', 2),
  c('RequestHeaders', 'request_headers', 3, 0),
  c('RequestBody', 'request_body', 3, 0),
  c('RequestTrailers', 'request_trailers', 2, 0),
  c('ResponseHeaders', 'response_headers', 3, 0),
  c('ResponseBody', 'response_body', 3, 0),
  c('ResponseTrailers', 'response_trailers', 2, 0),
  c('HttpCallResponse', 'http_call_response', 5),
  c('Done', 'done', 1, 1),
  c('Log', 'log', 1),
  c('Delete', 'delete', 1),
  c('RedisCallResponse', 'redis_call_response', 4),
] as const satisfies readonly CallbackSpec[];

export type CallbackName = (typeof CALLBACKS)[number]['name'];

/** Dispatcher kind of each callback by name. */
export const Callback = Object.fromEntries(CALLBACKS.map((spec, kind) => [spec.name, kind])) as Readonly<Record<CallbackName, number>>;
