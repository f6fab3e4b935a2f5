/**
 * Host functions an HTTP plugin may import but this host does not carry out: gRPC answers Unimplemented,
 * foreign functions answer as Envoy 1.27 would for an unregistered name; each logs one clear line.
 */
import { Status } from '../../../facts/proxy-wasm/enums.ts';
import type { VmInstance } from '../vm/vm.ts';

export function unimplementedImports(vm: VmInstance) {
  const unimplemented = (name: string) => (): number => {
    vm.log('warn', `${name} is not implemented by this host (gRPC calls are not emulated); answering Unimplemented`, 'host');
    return Status.Unimplemented;
  };
  return {
    proxy_grpc_call: unimplemented('proxy_grpc_call'),
    proxy_grpc_stream: unimplemented('proxy_grpc_stream'),
    proxy_grpc_send: unimplemented('proxy_grpc_send'),
    proxy_grpc_cancel: unimplemented('proxy_grpc_cancel'),
    proxy_grpc_close: unimplemented('proxy_grpc_close'),
    proxy_call_foreign_function(namePtr: number, nameSize: number, _ap: number, _as: number, _rp: number, _rs: number): number {
      const name = vm.memory.readString(namePtr, nameSize);
      vm.log('warn', `foreign function "${name}" is not available in this host; answering NotFound`, 'host');
      return Status.NotFound;
    },
    pthread_equal(a: number, b: number): number {
      return a === b ? 1 : 0;
    },
    emscripten_notify_memory_growth(): void {},
  };
}
