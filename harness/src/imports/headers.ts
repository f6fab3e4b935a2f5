/**
 * Header and trailer maps (reference §4, §5, §9): which map exists in which callback, the pairs codec,
 * first-value reads, lower-cased keys, Envoy's byte-size answer, BadArgument for an absent map.
 * Guest memory is read before the map is looked up, as Envoy's exports do. Mutations and the size
 * need the live map (Envoy `getMap`), reads also see the access-log copies (`getConstMap`); the log
 * phase has no request trailers. Writes follow Envoy's header map: `setCopy` removes every value and
 * appends one, and a pseudo-header is inserted ahead of the first regular header.
 */
import { MAX_MAP_TYPE, MapType, Status } from '../../../facts/proxy-wasm/enums.ts';
import { decodePairs, encodePairs } from '../codec/pairs.ts';
import { encodeUtf8 } from '../codec/utf8.ts';
import type { HeaderAccess } from '../vm/stream-handle.ts';
import type { VmInstance } from '../vm/vm.ts';

type Lookup = HeaderAccess | 'absent';

function resolve(vm: VmInstance, type: number): Lookup {
  if (type === MapType.HttpCallResponseHeaders || type === MapType.HttpCallResponseTrailers) {
    if (!vm.calloutView) return 'absent';
    const list = type === MapType.HttpCallResponseHeaders ? vm.calloutView.headers : vm.calloutView.trailers;
    return { list, mutable: false };
  }
  const ctx = vm.effectiveContext();
  if (ctx?.kind !== 'stream' || type > MapType.ResponseTrailers) return 'absent';
  if (ctx.stream.inLogPhase && type === MapType.RequestTrailers) return 'absent';
  return ctx.stream.headerMap(type) ?? 'absent';
}

function absentStatus(vm: VmInstance): number {
  const ctx = vm.effectiveContext();
  return ctx?.kind === 'stream' && ctx.stream.inLogPhase ? Status.NotFound : Status.BadArgument;
}

function insert(list: Array<[string, string]>, key: string, value: string): void {
  if (!key.startsWith(':')) {
    list.push([key, value]);
    return;
  }
  const firstRegular = list.findIndex(([k]) => !k.startsWith(':'));
  list.splice(firstRegular < 0 ? list.length : firstRegular, 0, [key, value]);
}

/** What inserting `pairs` one by one into an emptied list gives: pseudo-headers first, each group in order. */
function replaceAll(list: Array<[string, string]>, pairs: Array<[string, string]>): void {
  list.length = 0;
  let pseudo = 0;
  for (const pair of pairs) {
    const key = pair[0].toLowerCase();
    pair[0] = key;
    if (key.startsWith(':')) list.splice(pseudo++, 0, pair);
    else list.push(pair);
  }
}

/** The first value of `key` (a loop: under tsx a callback per lookup would also cost a defineProperty). */
function firstValue(list: Array<[string, string]>, key: string): string | undefined {
  for (let i = 0; i < list.length; i++) if (list[i]![0] === key) return list[i]![1];
  return undefined;
}

function removeAll(list: Array<[string, string]>, key: string): void {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]![0] === key) list.splice(i, 1);
}

export function headerImports(vm: VmInstance) {
  const mem = () => vm.memory;
  const badType = (type: number) => type >>> 0 > MAX_MAP_TYPE;
  const live = (type: number): HeaderAccess | undefined => {
    const map = resolve(vm, type >>> 0);
    return map !== 'absent' && map.mutable ? map : undefined;
  };
  return {
    proxy_get_header_map_pairs(type: number, retPtr: number, retSize: number): number {
      if (badType(type)) return Status.BadArgument;
      const map = resolve(vm, type >>> 0);
      const list = map === 'absent' ? [] : map.list;
      return mem().give(list.length ? encodePairs(list) : new Uint8Array(0), retPtr, retSize);
    },
    proxy_set_header_map_pairs(type: number, ptr: number, size: number): number {
      if (badType(type)) return Status.BadArgument;
      const pairs = decodePairs(mem().peek(ptr, size));
      const map = live(type);
      if (!map) return Status.BadArgument;
      replaceAll(map.list, pairs);
      return Status.Ok;
    },
    proxy_get_header_map_size(type: number, ret: number): number {
      if (badType(type)) return Status.BadArgument;
      const map = live(type);
      if (!map) return Status.BadArgument;
      const bytes = map.list.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      mem().writeU32(ret, bytes);
      return Status.Ok;
    },
    proxy_get_header_map_value(type: number, kp: number, ks: number, retPtr: number, retSize: number): number {
      if (badType(type)) return Status.BadArgument;
      const key = mem().readString(kp, ks).toLowerCase();
      const map = resolve(vm, type >>> 0);
      if (map === 'absent') return absentStatus(vm);
      const value = firstValue(map.list, key);
      if (value === undefined) return Status.NotFound;
      return mem().give(encodeUtf8(value), retPtr, retSize);
    },
    proxy_add_header_map_value(type: number, kp: number, ks: number, vp: number, vs: number): number {
      if (badType(type)) return Status.BadArgument;
      const key = mem().readString(kp, ks).toLowerCase();
      const value = mem().readString(vp, vs);
      const map = live(type);
      if (!map) return Status.BadArgument;
      insert(map.list, key, value);
      return Status.Ok;
    },
    proxy_replace_header_map_value(type: number, kp: number, ks: number, vp: number, vs: number): number {
      if (badType(type)) return Status.BadArgument;
      const key = mem().readString(kp, ks).toLowerCase();
      const value = mem().readString(vp, vs);
      const map = live(type);
      if (!map) return Status.BadArgument;
      removeAll(map.list, key);
      insert(map.list, key, value);
      return Status.Ok;
    },
    proxy_remove_header_map_value(type: number, kp: number, ks: number): number {
      if (badType(type)) return Status.BadArgument;
      const key = mem().readString(kp, ks).toLowerCase();
      const map = live(type);
      if (!map) return Status.BadArgument;
      removeAll(map.list, key);
      return Status.Ok;
    },
  };
}
