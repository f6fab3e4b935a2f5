/**
 * What Envoy looks up in a module (reference §1, §2): the exports it calls by name with their exact
 * Wasm types, and the ABI markers it recognises. Signatures are written as in `host-table.ts`.
 */
import type { AbiName } from './host-table.ts';

/** Exports Envoy looks up by name; a wrong signature fails the load with "Bad function signature for: X". */
export const EXPORT_SIGNATURES: Record<string, string> = {
  _initialize: ':',
  _start: ':',
  main: 'ii:i',
  malloc: 'i:i',
  proxy_on_memory_allocate: 'i:i',
  proxy_on_context_create: 'ii:',
  proxy_on_vm_start: 'ii:i',
  proxy_on_configure: 'ii:i',
  proxy_validate_configuration: 'ii:i',
  proxy_on_tick: 'i:',
  proxy_on_queue_ready: 'ii:',
  proxy_on_request_headers: 'iii:i',
  proxy_on_request_body: 'iii:i',
  proxy_on_request_trailers: 'ii:i',
  proxy_on_request_metadata: 'ii:i',
  proxy_on_response_headers: 'iii:i',
  proxy_on_response_body: 'iii:i',
  proxy_on_response_trailers: 'ii:i',
  proxy_on_response_metadata: 'ii:i',
  proxy_on_http_call_response: 'iiiii:',
  proxy_on_grpc_receive_initial_metadata: 'iii:',
  proxy_on_grpc_receive: 'iii:',
  proxy_on_grpc_receive_trailing_metadata: 'iii:',
  proxy_on_grpc_close: 'iii:',
  proxy_on_new_connection: 'i:i',
  proxy_on_downstream_data: 'iii:i',
  proxy_on_upstream_data: 'iii:i',
  proxy_on_downstream_connection_close: 'ii:',
  proxy_on_upstream_connection_close: 'ii:',
  proxy_on_foreign_function: 'iii:',
  proxy_on_redis_call_response: 'iiii:',
  proxy_on_done: 'i:i',
  proxy_on_log: 'i:',
  proxy_on_delete: 'i:',
};

/** ABI markers in the order Envoy recognises them; the first function export that matches wins. */
export const ABI_MARKERS: Record<string, AbiName | '0_1_0'> = {
  proxy_abi_version_0_1_0: '0_1_0',
  proxy_abi_version_0_2_0: '0_2_0',
  proxy_abi_version_0_2_1: '0_2_1',
  proxy_abi_version_0_2_100: '0_2_100',
};
