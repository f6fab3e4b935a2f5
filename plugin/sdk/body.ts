/**
 * Body helpers. `bufferBody` gathers a body to its end and hands it over whole: each chunk is copied and
 * consumed (Envoy neither forwards nor buffers it), and at the end the whole body is put back into the
 * last chunk's buffer. Envoy ≥1.33 and Envoy ≤1.32/Higress 1.27 differ in how they report buffered
 * bodies (the older ones lag one chunk); consuming chunks sees every chunk exactly once on both.
 * `holdBodyWhile` gathers the same way only until the plugin has seen what it needs of the start.
 * `streamChunks` processes a body chunk by chunk and forwards each at once.
 */
import { Action } from './abi.ts';
import { readBuffer, replaceBuffer } from './buffers.ts';
import { concatBytes, ownBuffer } from './codec.ts';
import type { HookResult, HttpContext } from './contexts.ts';

const TYPES = { request: 'request body', response: 'response body' } as const;
const EMPTY = new ArrayBuffer(0);

interface Held {
  parts: ArrayBuffer[];
  size: number;
  /** `holdBodyWhile`: the size the start was last looked at. */
  tried?: number;
}

/** The chunks `bufferBody` has consumed so far, per stream and direction. */
const held = new WeakMap<HttpContext, { request?: Held; response?: Held }>();
/** Higress's stream buffer limits, which Envoy would have enforced had it buffered the body. */
export const DEFAULT_MAX_BYTES = { request: 32 * 1024, response: 10 * 1024 * 1024 } as const;

export interface BufferOptions {
  /** The largest body accepted, in bytes (default: Higress's buffer limit for the direction). */
  maxBytes?: number;
  /** Answers a body over `maxBytes`; default: what Envoy answers (413 request / 500 response). */
  tooLarge?: (total: number) => HookResult;
}

function envoyTooLarge(ctx: HttpContext, direction: 'request' | 'response'): HookResult {
  if (direction === 'request') ctx.sendLocalResponse(413, 'Payload Too Large', [], 'request_payload_too_large');
  else ctx.sendLocalResponse(500, 'Internal Server Error', [], 'response_payload_too_large');
  return Action.Pause;
}

/** Whether `bufferBody` holds chunks of this stream's body in `direction` (so the current chunk is not all of it). */
export function holdsBody(ctx: HttpContext, direction: 'request' | 'response'): boolean {
  return held.get(ctx)?.[direction] !== undefined;
}

/** The chunk of the running body callback, read where Envoy holds it. */
function currentChunk(direction: 'request' | 'response', bodySize: number): ArrayBuffer {
  return bodySize > 0 ? (readBuffer(TYPES[direction], 0, bodySize) ?? EMPTY) : EMPTY;
}

/** The chunks held for this stream and direction, the current one added. */
function gather(ctx: HttpContext, direction: 'request' | 'response', bodySize: number): Held {
  let record = held.get(ctx);
  if (!record) held.set(ctx, (record = {}));
  const parts = (record[direction] ??= { parts: [], size: 0 });
  const chunk = currentChunk(direction, bodySize);
  if (chunk.byteLength > 0) parts.parts.push(chunk);
  parts.size += chunk.byteLength;
  return parts;
}

function release(ctx: HttpContext, direction: 'request' | 'response'): void {
  held.get(ctx)![direction] = undefined;
}

/**
 * In a body hook: consumes chunks until the end of stream, then calls `complete` with the whole body,
 * which is what Envoy forwards unless `complete` sets another with `setRequestBody`/`setResponseBody`.
 */
export function bufferBody(
  ctx: HttpContext,
  direction: 'request' | 'response',
  bodySize: number,
  endOfStream: boolean,
  complete: (body: ArrayBuffer) => HookResult,
  options: BufferOptions = {},
): HookResult {
  const limit = options.maxBytes ?? DEFAULT_MAX_BYTES[direction];
  if (endOfStream && !holdsBody(ctx, direction)) {
    const whole = currentChunk(direction, bodySize);
    if (whole.byteLength > limit) return options.tooLarge ? options.tooLarge(whole.byteLength) : envoyTooLarge(ctx, direction);
    if (whole.byteLength !== bodySize) replaceBuffer(TYPES[direction], whole);
    return complete(whole);
  }
  const parts = gather(ctx, direction, bodySize);
  if (parts.size > limit) {
    release(ctx, direction);
    return options.tooLarge ? options.tooLarge(parts.size) : envoyTooLarge(ctx, direction);
  }
  if (!endOfStream) return Action.Consume;
  release(ctx, direction);
  const body = concatBytes(parts.parts);
  if (parts.parts.length > 1 || parts.size !== bodySize) replaceBuffer(TYPES[direction], body);
  return complete(body);
}

/**
 * In a body hook: consumes chunks while `decide` answers `'more'` for the start of the body gathered so
 * far, then puts that start back (as `decide` returned it, or unchanged for `undefined`) in front of the
 * current chunk and forwards everything, the rest of the body unheld. `decide` is asked again only once
 * the start has doubled (so the work stays linear in the bytes held, however small the chunks), and for
 * the last time (`final`) at the end of stream or once `maxBytes` are held, when `'more'` counts as
 * `undefined`.
 */
export function holdBodyWhile(
  ctx: HttpContext,
  direction: 'request' | 'response',
  bodySize: number,
  endOfStream: boolean,
  maxBytes: number,
  decide: (start: Uint8Array, final: boolean) => Uint8Array | 'more' | undefined,
): HookResult {
  const parts = gather(ctx, direction, bodySize);
  const final = endOfStream || parts.size >= maxBytes;
  if (!final && parts.size < 2 * (parts.tried ?? 0)) return Action.Consume;
  const start = parts.parts.length === 1 ? parts.parts[0]! : concatBytes(parts.parts);
  parts.parts = [start];
  parts.tried = parts.size;
  const decided = decide(new Uint8Array(start), final);
  if (decided === 'more' && !final) return Action.Consume;
  release(ctx, direction);
  const forward = decided instanceof Uint8Array ? decided : undefined;
  if (forward !== undefined || parts.size !== bodySize) replaceBuffer(TYPES[direction], forward ? ownBuffer(forward) : start);
  return Action.Continue;
}

/**
 * In a body hook: passes the current chunk to `transform` and forwards it at once; a returned buffer
 * replaces the chunk, `undefined` keeps it.
 */
export function streamChunks(
  direction: 'request' | 'response',
  bodySize: number,
  endOfStream: boolean,
  transform: (chunk: ArrayBuffer, endOfStream: boolean) => ArrayBuffer | string | undefined,
): Action {
  const chunk = readBuffer(TYPES[direction], 0, bodySize) ?? new ArrayBuffer(0);
  const replaced = transform(chunk, endOfStream);
  if (replaced !== undefined) replaceBuffer(TYPES[direction], replaced);
  return Action.Continue;
}
