/**
 * The two media types the AI proxy tells apart, without a regex (QuickJS's are slow): `application/json`
 * (parameters allowed, `application/json; charset=utf-8`; the last answer is remembered, as request
 * after request names the same one) and `text/event-stream` (parameters allowed).
 */
import { rememberLast } from '../sdk/index.ts';

function isJson(type: string): boolean {
  const semicolon = type.indexOf(';');
  const media = (semicolon < 0 ? type : type.slice(0, semicolon)).trimEnd();
  return media.length === 16 && media.toLowerCase() === 'application/json';
}

export const isJsonContentType: (type: string) => boolean = rememberLast(isJson);

export const isEventStream = (type: string | undefined): boolean => type !== undefined && type.length >= 17 && type.slice(0, 17).toLowerCase() === 'text/event-stream';
