/**
 * `proxy_http_call` (reference §9, Envoy `Context::httpCall`): argument checks with Envoy's statuses in
 * Envoy's order (negative timeout, unknown cluster, missing `:path`/`:method`/`:authority`), header keys
 * lower-cased, token allocation, dispatch.
 */
import { Status } from '../../../facts/proxy-wasm/enums.ts';
import { decodePairs } from '../codec/pairs.ts';
import type { CalloutRecord } from '../callouts/callout-record.ts';
import { startCallout } from './callout-client.ts';
import type { VmInstance } from '../vm/vm.ts';
import { rootOf } from './time.ts';

const REQUIRED = [':path', ':method', ':authority'];

export function httpCallImports(vm: VmInstance) {
  return {
    proxy_http_call(
      upstreamPtr: number,
      upstreamSize: number,
      headersPtr: number,
      headersSize: number,
      bodyPtr: number,
      bodySize: number,
      trailersPtr: number,
      trailersSize: number,
      timeoutMs: number,
      retToken: number,
    ): number {
      const cluster = vm.memory.readString(upstreamPtr, upstreamSize);
      const headers = decodePairs(vm.memory.read(headersPtr, headersSize)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
      const body = vm.memory.read(bodyPtr, bodySize);
      const trailers = decodePairs(vm.memory.read(trailersPtr, trailersSize));
      vm.memory.check(retToken >>> 0, 4);
      const root = rootOf(vm);
      if (!root || timeoutMs < 0) return Status.BadArgument;
      if (!(cluster in vm.core.options.clusters)) {
        vm.log('warn', `http call to unknown cluster "${cluster}"`, 'host');
        return Status.BadArgument;
      }
      if (REQUIRED.some((name) => !headers.some(([k]) => k === name))) return Status.BadArgument;
      const token = vm.nextCalloutToken;
      vm.nextCalloutToken += 4;
      const record: CalloutRecord = {
        vm: vm.index,
        token,
        cluster,
        headers,
        body,
        trailers,
        timeoutMs: timeoutMs >>> 0,
        state: 'pending',
      };
      vm.core.callouts.push(record);
      vm.memory.writeU32(retToken, token);
      startCallout(vm, root, record);
      return Status.Ok;
    },
  };
}
