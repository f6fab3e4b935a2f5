/**
 * The media types the AI proxy tells apart, without a regex on the hot path (QuickJS's are slow):
 * `application/json` (parameters allowed, `application/json; charset=utf-8`; the last answer is
 * remembered, as request after request names the same one), `text/event-stream` (parameters allowed)
 * and `multipart/form-data` with its boundary (RFC 2046: 1–70 characters, quoted or not).
 */
import { rememberLast } from '../sdk/index.ts';

function isJson(type: string): boolean {
  const semicolon = type.indexOf(';');
  const media = (semicolon < 0 ? type : type.slice(0, semicolon)).trimEnd();
  return media.length === 16 && media.toLowerCase() === 'application/json';
}

export const isJsonContentType: (type: string) => boolean = rememberLast(isJson);

/** The same for answers, remembered apart: request and answer types alternate, and often differ (`; charset=utf-8`). */
export const isJsonAnswerType: (type: string) => boolean = rememberLast(isJson);

export const isEventStream = (type: string | undefined): boolean => type !== undefined && type.length >= 17 && type.slice(0, 17).toLowerCase() === 'text/event-stream';

const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i;

/** The boundary of a `multipart/form-data` content type; undefined for any other type or one without a valid boundary. */
export function multipartBoundary(type: string): string | undefined {
  const semicolon = type.indexOf(';');
  if (semicolon < 0 || type.slice(0, semicolon).trim().toLowerCase() !== 'multipart/form-data') return undefined;
  const found = BOUNDARY.exec(type.slice(semicolon));
  return found ? (found[1] ?? found[2])!.replace(/\s+$/, '') || undefined : undefined;
}
