/**
 * For unit tests of plugin logic in plain Node: the engine's text functions (engine/glue-abi.ts
 * utf8Encode, utf8Decode answering 4 when ill-formed, utf8Valid) with the same answers the glue gives,
 * `buildTarget` answering the Higress build,
 * and its native fast paths (jsonScan, sseScan) running the engine's own native code, so code that uses
 * the SDK's `utf8` and scanners runs outside a VM. Installed by vitest's setup; other host
 * functions throw, since unit tests must not reach the host.
 */
import { HOST_FUNCTIONS, HostFn } from '../../engine/glue-abi.ts';
import { nativeGlue, nativeModule } from '../../engine/native.ts';

const encoder = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function range(bytes: ArrayBuffer, start: number, length: number): Uint8Array {
  const from = Math.min(start, bytes.byteLength);
  return new Uint8Array(bytes, from, Math.min(length, bytes.byteLength - from));
}

const host: Array<(...args: never[]) => unknown> = [];
host[HostFn.utf8Encode] = (text: string) => encoder.encode(text).buffer;
host[HostFn.buildTarget] = () => 1;
host[HostFn.utf8Decode] = (bytes: ArrayBuffer, start: number, length: number) => {
  try {
    return strict.decode(range(bytes, start, length));
  } catch {
    return 4;
  }
};
host[HostFn.utf8Valid] = (bytes: ArrayBuffer, start: number, length: number) => {
  try {
    return strict.decode(range(bytes, start, length)), 1;
  } catch {
    return 0;
  }
};

const native = nativeGlue(await WebAssembly.compile((await nativeModule()) as Uint8Array<ArrayBuffer>));
const view = (buffer: ArrayBuffer) => new Uint8Array(buffer);
host[HostFn.jsonScan] = (text: ArrayBuffer, keys: ArrayBuffer, out: ArrayBuffer, maxDepth: number) => native.jsonScan(view(text), view(keys), view(out), maxDepth);
host[HostFn.sseScan] = (chunk: ArrayBuffer, state: ArrayBuffer, out: ArrayBuffer, from: number) => native.sseScan(view(chunk), view(state), view(out), from);

const shim = new Proxy(host, {
  get(target, key) {
    const fn = Reflect.get(target, key);
    if (fn !== undefined || typeof key !== 'string' || !/^\d+$/.test(key)) return fn;
    return () => {
      throw new Error(`host function ${HOST_FUNCTIONS[Number(key)]?.name ?? key} called from a unit test; run this code through the harness instead`);
    };
  },
});

(globalThis as unknown as { __host?: unknown }).__host ??= shim;
