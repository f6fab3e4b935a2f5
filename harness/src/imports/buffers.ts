/**
 * Buffer access (reference §4 get/set_buffer_bytes): which buffer exists when, Envoy's clamping of reads,
 * and its only write forms on a body: replace/prepend from offset 0, or append at the end. As in Envoy's
 * `getBuffer`, the network, gRPC and call-data buffers of an HTTP plugin exist but are empty and
 * read-only; only the plugin configuration (outside `proxy_on_configure`) and the callout body (outside
 * `proxy_on_http_call_response`) are NotFound.
 */
import { BufferType, MAX_BUFFER_TYPE, Status, type StatusCode } from '../../../facts/proxy-wasm/enums.ts';
import { concat } from '../codec/bytes.ts';
import type { BufferAccess } from '../vm/stream-handle.ts';
import type { VmInstance } from '../vm/vm.ts';

const immutable = (data: Uint8Array): BufferAccess => ({ read: () => data });

function resolve(vm: VmInstance, type: number): BufferAccess | StatusCode {
  if (type === BufferType.RedisCallResponse && vm.gateway === 'higress') return vm.redisReply ? immutable(vm.redisReply) : Status.NotFound;
  if (type > MAX_BUFFER_TYPE) return Status.BadArgument;
  const ctx = vm.effectiveContext();
  switch (type) {
    case BufferType.HttpRequestBody:
    case BufferType.HttpResponseBody:
      if (ctx?.kind !== 'stream') return immutable(new Uint8Array(0));
      return ctx.stream.bodyBuffer(type === BufferType.HttpRequestBody ? 'request' : 'response');
    case BufferType.HttpCallResponseBody:
      return vm.calloutView ? immutable(vm.calloutView.body) : Status.NotFound;
    case BufferType.VmConfiguration:
      return immutable(vm.core.options.vmConfig);
    case BufferType.PluginConfiguration:
      return vm.pluginConfigReadable ? immutable(vm.core.options.pluginConfig) : Status.NotFound;
    default:
      return immutable(new Uint8Array(0));
  }
}

export function bufferImports(vm: VmInstance) {
  return {
    proxy_get_buffer_bytes(type: number, start: number, maxSize: number, retPtr: number, retSize: number): number {
      start >>>= 0;
      maxSize >>>= 0;
      const buffer = resolve(vm, type >>> 0);
      if (typeof buffer === 'number') return buffer;
      if (start + maxSize > 0xffffffff) return Status.BadArgument;
      const data = buffer.read();
      const begin = Math.min(start, data.length);
      const end = Math.min(data.length, begin + maxSize);
      return vm.memory.give(data.subarray(begin, end), retPtr, retSize);
    },
    proxy_get_buffer_status(type: number, retLength: number, retFlags: number): number {
      const buffer = resolve(vm, type >>> 0);
      if (typeof buffer === 'number') return buffer;
      vm.memory.writeU32(retLength, buffer.read().length);
      vm.memory.writeU32(retFlags, 0);
      return Status.Ok;
    },
    proxy_set_buffer_bytes(type: number, start: number, length: number, ptr: number, size: number): number {
      start >>>= 0;
      length >>>= 0;
      const buffer = resolve(vm, type >>> 0);
      if (typeof buffer === 'number') return buffer;
      const data = vm.memory.read(ptr, size);
      if (!buffer.write) return Status.BadArgument;
      const current = buffer.read();
      if (start === 0) {
        const kept = current.subarray(Math.min(length, current.length));
        buffer.write(concat(data, kept));
      } else if (start >= current.length) {
        buffer.write(concat(current, data));
      } else {
        return Status.BadArgument;
      }
      return Status.Ok;
    },
  };
}
