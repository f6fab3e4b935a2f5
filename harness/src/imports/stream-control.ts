/**
 * Local replies, continue and close (reference §4, §9): all act on the stream of the effective context
 * and take effect after the current callback returns. As in Envoy, a context without an HTTP stream (a
 * root context) accepts them with Ok and nothing happens; Downstream/Upstream are TCP stream types
 * (continue: Downstream is a no-op Ok on HTTP, Upstream Unimplemented; close: both no-op Ok); above
 * Upstream is BadArgument. Local reply details have their whitespace replaced by `_`.
 */
import { Status, StreamType } from '../../../facts/proxy-wasm/enums.ts';
import { decodePairs } from '../codec/pairs.ts';
import type { VmInstance } from '../vm/vm.ts';

export function streamControlImports(vm: VmInstance) {
  const streamOf = () => {
    const ctx = vm.effectiveContext();
    return ctx?.kind === 'stream' ? ctx.stream : undefined;
  };
  const httpDirection = (type: number): 'request' | 'response' | undefined =>
    type === StreamType.Request ? 'request' : type === StreamType.Response ? 'response' : undefined;
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
      const details = vm.memory.readString(detailsPtr, detailsSize).replace(/[ \t\n\v\f\r]/g, '_');
      const body = vm.memory.read(bodyPtr, bodySize);
      const headers = decodePairs(vm.memory.read(headersPtr, headersSize));
      streamOf()?.sendLocalResponse({ status: status >>> 0, details, body, headers, grpcStatus });
      return Status.Ok;
    },
    proxy_continue_stream(type: number): number {
      type >>>= 0;
      if (type > StreamType.Upstream) return Status.BadArgument;
      if (type === StreamType.Upstream) return Status.Unimplemented;
      const dir = httpDirection(type);
      if (dir) streamOf()?.continueStream(dir);
      return Status.Ok;
    },
    proxy_close_stream(type: number): number {
      type >>>= 0;
      if (type > StreamType.Upstream) return Status.BadArgument;
      const dir = httpDirection(type);
      if (dir) streamOf()?.closeStream(dir);
      return Status.Ok;
    },
  };
}
