/**
 * Which OpenAI API a client path addresses: `…/v1/chat/completions` (or `…/chat/completions`),
 * `…/embeddings`, `…/models`; anything else is unsupported. The query string is kept separately.
 */
import { rememberLast } from '../../sdk/index.ts';
import type { ApiName } from '../providers/types.ts';

export interface ClientPath {
  readonly api?: ApiName;
  readonly path: string;
  readonly query: string;
}

const SUFFIXES: Array<[string, ApiName]> = [
  ['/chat/completions', 'chat'],
  ['/embeddings', 'embeddings'],
  ['/models', 'models'],
];

/** `raw` parsed; a path repeated from the request before is not parsed again (its result is shared). */
export const parseClientPath: (raw: string) => ClientPath = rememberLast(parse);

function parse(raw: string): ClientPath {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  const trimmed = end === path.length ? path : path.slice(0, end);
  for (let i = 0; i < SUFFIXES.length; i++) if (trimmed.endsWith(SUFFIXES[i][0])) return { api: SUFFIXES[i][1], path, query };
  return { api: undefined, path, query };
}

/** The upstream path with the client's query appended when the provider's path has none. */
export function withQuery(upstreamPath: string, query: string): string {
  if (query === '' || upstreamPath.includes('?')) return upstreamPath;
  return `${upstreamPath}?${query}`;
}

export const API_METHOD: Record<ApiName, string> = { chat: 'POST', embeddings: 'POST', models: 'GET' };

/** The client path that addresses each API, as error messages name it. */
export const CLIENT_PATH: Record<ApiName, string> = { chat: '/v1/chat/completions', embeddings: '/v1/embeddings', models: '/v1/models' };
