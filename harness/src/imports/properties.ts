/**
 * `proxy_get_property` / `proxy_set_property` (reference §5, §10): paths resolved against configured
 * properties, plugin identity and the stream; writes go to the stream's filter state as `wasm.<path>`,
 * and Higress's buffer-limit keys change the stream's limits. Header-derived attributes (`request.path`,
 * `request.headers`, `response.headers`…) see the header maps Envoy's activation sees: the live ones
 * while the filter holds them, the access-log copies in the log phase, none otherwise.
 */
import { MapType, Status } from '../../../facts/proxy-wasm/enums.ts';
import { LazyFacts, filterStateKey, resolveProperty, splitPropertyPath } from '../properties/resolve.ts';
import type { StreamFacts } from '../properties/stream-facts.ts';
import type { StreamHandle } from '../vm/stream-handle.ts';
import type { VmInstance } from '../vm/vm.ts';

function activationFacts(stream: StreamHandle): StreamFacts {
  const facts = stream.facts();
  if (stream.inLogPhase) return facts;
  return {
    ...facts,
    requestHeaders: stream.headerMap(MapType.RequestHeaders)?.list,
    responseHeaders: stream.headerMap(MapType.ResponseHeaders)?.list,
    responseTrailers: stream.headerMap(MapType.ResponseTrailers)?.list,
  };
}

const NO_FILTER_STATE: ReadonlyMap<string, Uint8Array> = new Map();

const BUFFER_LIMIT_KEYS: Record<string, 'request' | 'response'> = {
  set_decoder_buffer_limit: 'request',
  set_encoder_buffer_limit: 'response',
};

class ActivationFacts extends LazyFacts {
  constructor(private readonly stream: StreamHandle) {
    super();
  }
  facts(): StreamFacts {
    return activationFacts(this.stream);
  }
}

export function propertyImports(vm: VmInstance) {
  const { options } = vm.core;
  const plugin = { name: options.pluginName, rootId: options.rootId, vmId: options.vmId };
  return {
    proxy_get_property(pathPtr: number, pathSize: number, retPtr: number, retSize: number): number {
      const path = splitPropertyPath(vm.memory.peek(pathPtr, pathSize));
      const ctx = vm.effectiveContext();
      const stream = ctx?.kind === 'stream' ? ctx.stream : undefined;
      const value = resolveProperty(path, {
        configured: options.properties,
        plugin,
        stream: stream && new ActivationFacts(stream),
        filterState: stream?.filterState ?? NO_FILTER_STATE,
        envoy127TopLevel: options.envoy127Properties,
      });
      if (value === undefined) return Status.NotFound;
      return vm.memory.give(value, retPtr, retSize);
    },
    proxy_set_property(pathPtr: number, pathSize: number, valuePtr: number, valueSize: number): number {
      const path = splitPropertyPath(vm.memory.peek(pathPtr, pathSize));
      const value = vm.memory.read(valuePtr, valueSize);
      const ctx = vm.effectiveContext();
      if (ctx?.kind !== 'stream') return Status.NotFound;
      const direction = path.length === 1 ? BUFFER_LIMIT_KEYS[path[0]!] : undefined;
      if (direction) {
        const limit = Number(new TextDecoder().decode(value));
        if (!Number.isInteger(limit) || limit < 0) return Status.BadArgument;
        ctx.stream.setBufferLimit(direction, limit);
      }
      ctx.stream.filterState.set(filterStateKey(path), value);
      return Status.Ok;
    },
  };
}
