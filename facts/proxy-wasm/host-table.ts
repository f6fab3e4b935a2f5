/**
 * What Envoy offers a module to import (reference §4, §7): the `env.proxy_*` host functions per ABI
 * version, Higress's Redis extension (traffic-management §A: registered for every ABI, absent from
 * vanilla Envoy), the old 15-function WASI set under both module names, and the imports allowed while a
 * VM starts. A signature is written `params:results` with one letter per value: i = i32, I = i64.
 */

export type AbiName = '0_2_0' | '0_2_1' | '0_2_100';
/** Which gateway's Envoy: vanilla Envoy, or Higress's fork with its extra host functions. */
export type GatewayName = 'envoy' | 'higress';

/** Higress's Redis host functions (`proxy_redis_init(cluster, user, password, timeout_ms)`, `proxy_redis_call(cluster, query, token_out)`). */
export const HIGRESS_FUNCTIONS: Record<string, string> = {
  proxy_redis_init: 'iiiiiii:i',
  proxy_redis_call: 'iiiii:i',
};

const HOST_FUNCTIONS: Record<string, string> = {
  proxy_log: 'iii:i',
  proxy_get_current_time_nanoseconds: 'i:i',
  proxy_set_tick_period_milliseconds: 'i:i',
  proxy_get_buffer_bytes: 'iiiii:i',
  proxy_get_buffer_status: 'iii:i',
  proxy_set_buffer_bytes: 'iiiii:i',
  proxy_get_header_map_pairs: 'iii:i',
  proxy_set_header_map_pairs: 'iii:i',
  proxy_get_header_map_size: 'ii:i',
  proxy_get_header_map_value: 'iiiii:i',
  proxy_add_header_map_value: 'iiiii:i',
  proxy_replace_header_map_value: 'iiiii:i',
  proxy_remove_header_map_value: 'iii:i',
  proxy_get_property: 'iiii:i',
  proxy_set_property: 'iiii:i',
  proxy_send_local_response: 'iiiiiiii:i',
  proxy_http_call: 'iiiiiiiiii:i',
  proxy_grpc_call: 'iiiiiiiiiiii:i',
  proxy_grpc_stream: 'iiiiiiiii:i',
  proxy_grpc_send: 'iiii:i',
  proxy_grpc_cancel: 'i:i',
  proxy_grpc_close: 'i:i',
  proxy_get_status: 'iii:i',
  proxy_get_shared_data: 'iiiii:i',
  proxy_set_shared_data: 'iiiii:i',
  proxy_register_shared_queue: 'iii:i',
  proxy_resolve_shared_queue: 'iiiii:i',
  proxy_enqueue_shared_queue: 'iii:i',
  proxy_dequeue_shared_queue: 'iii:i',
  proxy_define_metric: 'iiii:i',
  proxy_increment_metric: 'iI:i',
  proxy_record_metric: 'iI:i',
  proxy_get_metric: 'ii:i',
  proxy_set_effective_context: 'i:i',
  proxy_done: ':i',
  proxy_call_foreign_function: 'iiiiii:i',
  pthread_equal: 'ii:i',
  emscripten_notify_memory_growth: 'i:',
};

const ABI_SPECIFIC: Record<AbiName, Record<string, string>> = {
  '0_2_0': { proxy_continue_stream: 'i:i', proxy_close_stream: 'i:i' },
  '0_2_1': { proxy_continue_stream: 'i:i', proxy_close_stream: 'i:i', proxy_get_log_level: 'i:i' },
  '0_2_100': { proxy_continue_stream: 'i:i', proxy_close_stream: 'i:i', proxy_get_log_level: 'i:i' },
};

/** Envoy's WASI set before Dec 2024 (Higress 2.0/2.1), registered under both WASI module names. */
export const WASI_FUNCTIONS: Record<string, string> = {
  fd_write: 'iiii:i',
  fd_read: 'iiii:i',
  fd_seek: 'iIii:i',
  fd_close: 'i:i',
  fd_fdstat_get: 'ii:i',
  environ_get: 'ii:i',
  environ_sizes_get: 'ii:i',
  args_get: 'ii:i',
  args_sizes_get: 'ii:i',
  clock_time_get: 'iIi:i',
  random_get: 'ii:i',
  proc_exit: 'i:',
  path_open: 'iiiiiIIii:i',
  fd_prestat_get: 'ii:i',
  fd_prestat_dir_name: 'iii:i',
};

export const WASI_MODULES = ['wasi_snapshot_preview1', 'wasi_unstable'] as const;

/** Imports allowed while `_initialize`/`main`/`_start` run; any other traps `restricted_callback`. */
export const ALLOWED_DURING_START = new Set([
  'env.proxy_log',
  ...WASI_MODULES.flatMap((m) =>
    [
      'fd_write',
      'args_sizes_get',
      'args_get',
      'environ_sizes_get',
      'environ_get',
      'fd_prestat_get',
      'fd_prestat_dir_name',
      'clock_time_get',
      'random_get',
    ].map((f) => `${m}.${f}`),
  ),
]);

/** The host function table for one ABI on one gateway: `module.name` → signature. */
export function hostTable(abi: AbiName, gateway: GatewayName = 'envoy'): Map<string, string> {
  const table = new Map<string, string>();
  const extra = gateway === 'higress' ? HIGRESS_FUNCTIONS : {};
  for (const [name, sig] of Object.entries({ ...HOST_FUNCTIONS, ...ABI_SPECIFIC[abi], ...extra })) table.set(`env.${name}`, sig);
  for (const module of WASI_MODULES)
    for (const [name, sig] of Object.entries(WASI_FUNCTIONS)) table.set(`${module}.${name}`, sig);
  return table;
}
