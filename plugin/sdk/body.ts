/**
 * Body helpers: hold a body until the end of stream and hand it over whole, or process a streaming body
 * chunk by chunk without buffering (each chunk may be replaced before it is forwarded).
 */
import { Action, BufferType } from './abi.ts';
import { readBuffer, replaceBuffer } from './buffers.ts';
import { setProperty } from './properties.ts';
import type { HookResult } from './contexts.ts';

const LIMIT_KEYS = { request: 'set_decoder_buffer_limit', response: 'set_encoder_buffer_limit' } as const;
const TYPES = { request: BufferType.RequestBody, response: BufferType.ResponseBody } as const;

export interface BufferOptions {
  /** Raises Envoy's buffer limit for this stream (Higress property), in bytes. */
  limitBytes?: number;
}

/**
 * In a body hook: returns Pause until the end of stream, then calls `complete` with the whole body.
 * The body a plugin then sets with `setRequestBody`/`setResponseBody` is what Envoy forwards.
 */
export function bufferBody(
  direction: 'request' | 'response',
  bodySize: number,
  endOfStream: boolean,
  complete: (body: ArrayBuffer) => HookResult,
  options: BufferOptions = {},
): HookResult {
  if (!endOfStream) {
    if (options.limitBytes !== undefined) setProperty([LIMIT_KEYS[direction]], String(options.limitBytes));
    return Action.Pause;
  }
  return complete(readBuffer(TYPES[direction], 0, bodySize) ?? new ArrayBuffer(0));
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
