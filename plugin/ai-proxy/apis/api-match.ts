/**
 * Which API a client request addresses: its path is one of the table's paths after a version segment
 * (`/v1/files`, `/openai/v1/files`) or alone (`/files`), trailing slashes ignored, the longest match
 * first; chat, embeddings and the model list also after any other prefix
 * (`/openai/deployments/gpt-4o/chat/completions`), as before the other APIs were known. So a path
 * under another API (`/v1/vector_stores/vs_1/files/f1`) never names the Files API. An id segment holds
 * any text that does not decode to `.` or `..` or hold a `/` or `\`. A path that only matches through
 * an id segment does not name that API for a method it does not serve (`POST /v1/responses/compact`
 * is not a response retrieval): it is not known at all. A literal path with a method its API does not
 * serve is a wrong method. The query is kept apart.
 */
import { rememberLast } from '../../sdk/index.ts';
import { APIS, type ApiSpec, type Operation } from './api-table.ts';

export interface Candidate {
  readonly spec: ApiSpec;
  /** The id segments, as the client wrote them (still percent-encoded). */
  readonly ids: readonly string[];
}

export interface ClientPath {
  readonly path: string;
  readonly query: string;
  /** The table rows the path matches, longest first. */
  readonly candidates: readonly Candidate[];
}

export type Routed =
  | { readonly kind: 'api'; readonly spec: ApiSpec; readonly ids: readonly string[]; readonly operation: Operation }
  | { readonly kind: 'wrong-method'; readonly spec: ApiSpec }
  | { readonly kind: 'unknown' };

const LONGEST_FIRST = [...APIS].sort((a, b) => b.segments.length - a.segments.length);
const UNKNOWN: Routed = { kind: 'unknown' };

/** `raw` parsed; a path repeated from the request before is not parsed again (its result is shared). */
export const parseClientPath: (raw: string) => ClientPath = rememberLast(parse);

const VERSION = /^v\d+[a-z]*\d*$/;
const ANY_PREFIX = new Set(['chat', 'embeddings', 'models']);
const PERCENT = /%[0-9a-fA-F]{2}/g;

/**
 * Whether a path segment could step out of the path it is in: `.` or `..` (with any `;parameters`, as
 * some servers strip them) or holding `/` or `\`, after percent-decoding (invalid escapes stay as written).
 */
export function isUnsafeSegment(segment: string): boolean {
  const decoded = segment.includes('%') ? segment.replace(PERCENT, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16))) : segment;
  const semicolon = decoded.indexOf(';');
  const name = semicolon < 0 ? decoded : decoded.slice(0, semicolon);
  return name === '.' || name === '..' || decoded.includes('/') || decoded.includes('\\');
}

function matchTail(spec: ApiSpec, segments: string[]): string[] | undefined {
  const want = spec.segments;
  const offset = segments.length - want.length;
  if (offset < 1) return undefined;
  if (offset > 1 && !ANY_PREFIX.has(spec.name) && !VERSION.test(segments[offset - 1]!)) return undefined;
  let ids: string[] | undefined;
  for (let i = 0; i < want.length; i++) {
    const have = segments[offset + i]!;
    const pattern = want[i]!;
    if (pattern.charCodeAt(0) === 0x7b) {
      if (have === '' || isUnsafeSegment(have)) return undefined;
      (ids ??= []).push(have);
    } else if (have !== pattern) return undefined;
  }
  return ids ?? [];
}

function parse(raw: string): ClientPath {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  const segments = (end === path.length ? path : path.slice(0, end)).split('/');
  const candidates: Candidate[] = [];
  for (const spec of LONGEST_FIRST) {
    const ids = matchTail(spec, segments);
    if (ids !== undefined) candidates.push({ spec, ids });
  }
  return { path, query, candidates };
}

let lastClient: ClientPath | undefined;
let lastMethod = '';
let lastRouted: Routed = UNKNOWN;

/** The API and operation `method` on `client` addresses; the answer for the last client and method is kept (request after request asks the same). */
export function route(client: ClientPath, method: string): Routed {
  if (client === lastClient && method === lastMethod) return lastRouted;
  lastRouted = routeOf(client, method);
  lastClient = client;
  lastMethod = method;
  return lastRouted;
}

function routeOf(client: ClientPath, method: string): Routed {
  const candidates = client.candidates;
  for (let i = 0; i < candidates.length; i++) {
    const { spec, ids } = candidates[i]!;
    const operation = spec.methods[method];
    if (operation !== undefined) return { kind: 'api', spec, ids, operation };
    if (ids.length === 0) return { kind: 'wrong-method', spec };
  }
  return UNKNOWN;
}
