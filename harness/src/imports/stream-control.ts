/**
 * Local replies, continue and close (reference §9): all act on the stream of the effective context and
 * take effect after the current callback returns.
 */
import { Status, StreamType } from '../abi/enums.ts';
import { decodePairs } from '../codec/pairs.ts';
import type { VmInstance } from '../vm/vm.ts';

export function streamControlImports(vm: VmInstance) {
  const streamOf = () => {
    const ctx = vm.effectiveContext();
    return ctx?.kind === 'stream' ? ctx.stream : undefined;
  };
  const direction = (type: number): 'request' | 'response' | number => {
    if (type === StreamType.Request) return 'request';
    if (type === StreamType.Response) return 'response';
    return type > StreamType.Upstream ? Status.BadArgument : Status.Unimplemented;
  };
  return {
    proxy_send_local_response(
      status: number,
      detailsPtr: number,
      detailsSize: number,
      bodyPtr: number,
      bodySize: number,
      headersPtr: number,
      headersSize: number,
      grpcStatus: number,
    ): number {
      const details = vm.memory.readString(detailsPtr, detailsSize);
      const body = vm.memory.read(bodyPtr, bodySize);
      const headers = decodePairs(vm.memory.read(headersPtr, headersSize));
      const stream = streamOf();
      if (!stream) return Status.NotFound;
      stream.sendLocalResponse({ status: status >>> 0, details, body, headers, grpcStatus });
      return Status.Ok;
    },
    proxy_continue_stream(type: number): number {
      const dir = direction(type >>> 0);
      if (typeof dir === 'number') return dir;
      const stream = streamOf();
      if (!stream) return Status.NotFound;
      stream.continueStream(dir);
      return Status.Ok;
    },
    proxy_close_stream(type: number): number {
      const dir = direction(type >>> 0);
      if (typeof dir === 'number') return dir;
      const stream = streamOf();
      if (!stream) return Status.NotFound;
      stream.closeStream(dir);
      return Status.Ok;
    },
  };
}
