/**
 * A multipart request body (transcriptions, image edits and variations, file uploads) streams through
 * byte for byte; with a `modelMapping`, its start is held until the `model` field is found (mapped in
 * place, every other byte kept) or known not to be mappable: after a file part, past 64 KiB (only that
 * much is looked at, however large the chunks), given twice, or absent.
 */
import { concatBytes, holdBodyWhile, log, utf8, type HookResult, type HttpContext } from '../../sdk/index.ts';
import { findModelField } from '../body/multipart-model.ts';
import type { RequestState } from '../request-state.ts';

export const MULTIPART_HELD_BYTES = 64 * 1024;

export function handleMultipartBody(ctx: HttpContext, request: RequestState, boundary: string, bodySize: number, endOfStream: boolean): HookResult {
  return holdBodyWhile(ctx, 'request', bodySize, endOfStream, MULTIPART_HELD_BYTES, (start, final) => {
    const field = findModelField(start.length > MULTIPART_HELD_BYTES ? start.subarray(0, MULTIPART_HELD_BYTES) : start, boundary, final || start.length >= MULTIPART_HELD_BYTES);
    if (field.kind === 'more') return 'more';
    request.multipartBoundary = undefined;
    if (field.kind === 'none') {
      if (log.enabled('debug')) log.debug(`ai-proxy: ${request.api} request forwarded without model mapping: ${field.reason}`);
      return undefined;
    }
    const mapped = request.provider.mapping.map(field.model);
    request.requestModel = field.model;
    request.upstreamModel = mapped;
    if (mapped === field.model) return undefined;
    return new Uint8Array(concatBytes([start.subarray(0, field.valueStart), utf8.encode(mapped), start.subarray(field.valueEnd)]));
  });
}
