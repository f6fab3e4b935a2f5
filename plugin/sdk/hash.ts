/** SHA-256 by the engine (engine/native/sha256.ts, one host call), as lower-case hex: on QuickJS a hash written in JS costs milliseconds per KB. */
import * as host from './host-calls.ts';
import { encodeUtf8 } from './codec.ts';

const WORK = new ArrayBuffer(672);
const DIGEST = new Uint8Array(WORK, 0, 32);
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The SHA-256 of `data` (a string: of its UTF-8) as 64 hex digits. */
export function sha256Hex(data: string | ArrayBuffer): string {
  const status = host.sha256(typeof data === 'string' ? encodeUtf8(data) : data, WORK);
  if (status !== 0) throw new RangeError(`the engine's SHA-256 refused its buffers (code ${status})`);
  let out = '';
  for (let i = 0; i < 32; i++) out += HEX[DIGEST[i]!]!;
  return out;
}
