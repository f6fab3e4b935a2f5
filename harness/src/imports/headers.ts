/**
 * Header and trailer maps (reference §4, §5, §9): which map exists in which callback, the pairs codec,
 * first-value reads, lower-cased keys, Envoy's byte-size answer, BadArgument for an absent map.
 */
import { MAX_MAP_TYPE, MapType, Status } from '../abi/enums.ts';
import { decodePairs, encodePairs } from '../codec/pairs.ts';
import type { VmInstance } from '../vm/vm.ts';

export interface HeaderAccess {
  list: Array<[string, string]>;
  mutable: boolean;
}

type Lookup = HeaderAccess | 'absent' | 'bad-type';

function resolve(vm: VmInstance, type: number): Lookup {
  if (type > MAX_MAP_TYPE) return 'bad-type';
  if (type === MapType.HttpCallResponseHeaders || type === MapType.HttpCallResponseTrailers) {
    if (!vm.calloutView) return 'absent';
    const list = type === MapType.HttpCallResponseHeaders ? vm.calloutView.headers : vm.calloutView.trailers;
    return { list, mutable: false };
  }
  const ctx = vm.effectiveContext();
  if (ctx?.kind !== 'stream' || type > MapType.ResponseTrailers) return 'absent';
  return ctx.stream.headerMap(type) ?? 'absent';
}

function absentStatus(vm: VmInstance): number {
  const ctx = vm.effectiveContext();
  return ctx?.kind === 'stream' && ctx.stream.inLogPhase ? Status.NotFound : Status.BadArgument;
}

export function headerImports(vm: VmInstance) {
  const mem = () => vm.memory;
  const writable = (type: number): HeaderAccess | number => {
    const map = resolve(vm, type >>> 0);
    if (typeof map === 'string' || !map.mutable) return Status.BadArgument;
    return map;
  };
  return {
    proxy_get_header_map_pairs(type: number, retPtr: number, retSize: number): number {
      const map = resolve(vm, type >>> 0);
      if (map === 'bad-type') return Status.BadArgument;
      const list = map === 'absent' ? [] : map.list;
      return mem().give(list.length ? encodePairs(list) : new Uint8Array(0), retPtr, retSize);
    },
    proxy_set_header_map_pairs(type: number, ptr: number, size: number): number {
      const map = writable(type);
      if (typeof map === 'number') return map;
      const pairs = decodePairs(mem().read(ptr, size));
      map.list.splice(0, map.list.length, ...pairs.map(([k, v]) => [k.toLowerCase(), v] as [string, string]));
      return Status.Ok;
    },
    proxy_get_header_map_size(type: number, ret: number): number {
      const map = resolve(vm, type >>> 0);
      if (typeof map === 'string') return Status.BadArgument;
      const bytes = map.list.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      mem().writeU32(ret, bytes);
      return Status.Ok;
    },
    proxy_get_header_map_value(type: number, kp: number, ks: number, retPtr: number, retSize: number): number {
      const map = resolve(vm, type >>> 0);
      if (map === 'bad-type') return Status.BadArgument;
      if (map === 'absent') return absentStatus(vm);
      const key = mem().readString(kp, ks).toLowerCase();
      const hit = map.list.find(([k]) => k === key);
      if (!hit) return Status.NotFound;
      return mem().give(Buffer.from(hit[1]), retPtr, retSize);
    },
    proxy_add_header_map_value(type: number, kp: number, ks: number, vp: number, vs: number): number {
      const map = writable(type);
      if (typeof map === 'number') return map;
      map.list.push([mem().readString(kp, ks).toLowerCase(), mem().readString(vp, vs)]);
      return Status.Ok;
    },
    proxy_replace_header_map_value(type: number, kp: number, ks: number, vp: number, vs: number): number {
      const map = writable(type);
      if (typeof map === 'number') return map;
      const key = mem().readString(kp, ks).toLowerCase();
      const value = mem().readString(vp, vs);
      const first = map.list.findIndex(([k]) => k === key);
      if (first < 0) map.list.push([key, value]);
      else {
        map.list[first] = [key, value];
        for (let i = map.list.length - 1; i > first; i--) if (map.list[i]![0] === key) map.list.splice(i, 1);
      }
      return Status.Ok;
    },
    proxy_remove_header_map_value(type: number, kp: number, ks: number): number {
      const map = writable(type);
      if (typeof map === 'number') return map;
      const key = mem().readString(kp, ks).toLowerCase();
      for (let i = map.list.length - 1; i >= 0; i--) if (map.list[i]![0] === key) map.list.splice(i, 1);
      return Status.Ok;
    },
  };
}
