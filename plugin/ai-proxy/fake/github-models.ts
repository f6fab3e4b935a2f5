/**
 * A local fake of the GitHub Models REST API (`https://models.github.ai`, see
 * /work/shared/reference/higress-ai-proxy.md §4) for tests and the local demo.
 *
 * Routes: POST /inference/chat/completions, POST /inference/embeddings, the same under
 * /orgs/{org}/…, and GET /catalog/models; and under /v1 the OpenAI API of the providers that replace it
 * (`openai-api.ts`, same tokens, OpenAI's error shapes; `tokenBehaviour` and `rateLimited` apply there
 * too). Every request is recorded in `requests`.
 *
 * Checks, in this order (where GitHub does not document the behaviour, the choice is marked *):
 *  1. no such route (unknown path, or a wrong method on a known path*) → 404 with api.github.com's
 *     `{"message":"Not Found","documentation_url":…,"status":"404"}`*
 *  2. `retired` → 410 `github_models_retirement_brownout` on every route, before auth*
 *  3. Authorization must be `Bearer <known token>` (scheme case-insensitive; a bare token is
 *     rejected*) → else 401 `unauthorized`
 *  4. org routes: an org not in `orgs` (compared case-insensitively, like GitHub logins) → 404
 *     `not_found`*, GitHub's usual answer for orgs the caller cannot see
 *  5. GET /catalog/models → 200 (never rate-limited*)
 *  6. media type must be `application/json` (parameters allowed) → else 415 `unsupported_media_type`*
 *  7. body must parse as a JSON object → else 400 `bad_request` "Problems parsing JSON"*
 *  8. body fields (`model` string; chat: non-empty `messages` of {role ∈ assistant|developer|system|
 *     user|tool}; embeddings: `input` string or non-empty string array, `dimensions` positive
 *     integer) → else 422 `invalid_request_body`*
 *  9. `model` not in `models` (exact id match*) → 404 `unknown_model`
 * 10. `rateLimited` → 429 `RateLimitReached` with the retry/ratelimit headers (after the model is
 *     known, as the limit is per user and model*)
 * Any catalog model is accepted by both chat and embeddings*.
 * `delayMs` delays every answer (after the body is read); `tokenBehaviour` makes single tokens fail in
 * one way each (step 10, before the rate limit). `close()` drops open connections.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_MODELS, catalogItem, chatChunks, chatCompletion, embeddingsResponse, errorBody, notFoundBody, rateLimitAnswer,
  retirementBody, sseEvents, type ChatRequest, type EmbeddingsRequest,
} from './responses.ts';
import { OpenAiState, answerOpenAi, isOpenAiPath, type OpenAiIo } from './openai-api.ts';
import { openAiError } from './openai-answers.ts';

export interface FakeGitHubModelsOptions {
  /** Accepted bearer tokens (default `['ghp_fake_token']`). */
  tokens?: string[];
  /** Every inference/catalog route answers 410 retirement brownout. */
  retired?: boolean;
  /** Inference answers 429; `true` means `{ retryAfter: 46, type: 'UserByModelByMinute' }`. */
  rateLimited?: boolean | { retryAfter: number; type: string };
  /** Catalog ids, also the models inference accepts (default `DEFAULT_MODELS`). */
  models?: string[];
  /** 'event': one write per SSE event (default); 'byte-split': writes of odd sizes cutting across events; 'crlf': CRLF line endings. */
  sseChunking?: 'event' | 'byte-split' | 'crlf';
  /** Delay in ms before answering. */
  delayMs?: number;
  /** Orgs accepted in /orgs/{org}/inference/… (default `['fake-org']`); others get 404. */
  orgs?: string[];
  /**
   * Per accepted token, what inference answers instead of the usual (after auth and the body checks):
   * `rate-limited` (429 with `retry-after: 30`), `reset` (the connection is dropped), `{delayMs}` (the
   * usual answer, that much later), `{status}` (that status with an OpenAI-style error body).
   */
  tokenBehaviour?: Record<string, TokenBehaviour>;
}

export type TokenBehaviour = 'rate-limited' | 'reset' | { delayMs: number } | { status: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body as received, for bodies that are not text (multipart uploads). */
  bytes: Buffer;
}

export interface FakeGitHubModels {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
  setOptions(o: Partial<FakeGitHubModelsOptions>): void;
}

export const DEFAULT_TOKENS = ['ghp_fake_token'];
export const DEFAULT_ORGS = ['fake-org'];
/** Sizes of successive writes in 'byte-split' mode (all odd, so boundaries land inside events and lines). */
export const BYTE_SPLIT_SIZES = [1, 7, 3, 13, 5, 31, 11, 17];
/** Pause between SSE writes so they leave as separate TCP segments. */
const WRITE_GAP_MS = 2;
const CHAT_ROLES = new Set(['assistant', 'developer', 'system', 'user', 'tool']);

type Route = { kind: 'chat' | 'embeddings' | 'catalog'; org?: string };

function route(method: string, pathname: string): Route | undefined {
  if (pathname === '/catalog/models') return method === 'GET' ? { kind: 'catalog' } : undefined;
  const m = /^(?:\/orgs\/([^/]+))?\/inference\/(chat\/completions|embeddings)$/.exec(pathname);
  if (!m || method !== 'POST') return undefined;
  return { kind: m[2] === 'embeddings' ? 'embeddings' : 'chat', org: m[1] === undefined ? undefined : decodeURIComponent(m[1]) };
}

class Reject {
  constructor(
    readonly status: number,
    readonly body: object,
    readonly headers: Record<string, string> = {},
  ) {}
}

function validate(kind: 'chat' | 'embeddings', body: Record<string, unknown>, models: string[]): void {
  const bad = (message: string) => new Reject(422, errorBody('invalid_request_body', message));
  if (typeof body.model !== 'string' || body.model === '') throw bad('Invalid request body: `model` is required and must be a string.');
  if (kind === 'chat') {
    const msgs = body.messages;
    if (!Array.isArray(msgs) || msgs.length === 0) throw bad('Invalid request body: `messages` must be a non-empty array.');
    msgs.forEach((m, i) => {
      if (!m || typeof m !== 'object' || !CHAT_ROLES.has((m as { role?: unknown }).role as string)) {
        throw bad(`Invalid request body: \`messages[${i}].role\` must be one of assistant, developer, system, user, tool.`);
      }
    });
  } else {
    const input = body.input;
    const ok = typeof input === 'string' || (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string'));
    if (!ok) throw bad('Invalid request body: `input` must be a string or a non-empty array of strings.');
    const dims = body.dimensions;
    if (dims !== undefined && !(Number.isInteger(dims) && (dims as number) > 0 && (dims as number) <= 3072)) {
      throw bad('Invalid request body: `dimensions` must be an integer between 1 and 3072.');
    }
  }
  if (!models.includes(body.model)) throw new Reject(404, errorBody('unknown_model', `Unknown model: ${body.model}`));
}

export async function startFakeGitHubModels(
  options: FakeGitHubModelsOptions & { port?: number; host?: string } = {},
): Promise<FakeGitHubModels> {
  const { port: wantPort = 0, host = '127.0.0.1', ...initial } = options;
  let opts: FakeGitHubModelsOptions = { ...initial };
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let seq = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const writeSse = async (res: http.ServerResponse, events: string[], mode: FakeGitHubModelsOptions['sseChunking']) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let writes: Buffer[] = events.map((e) => Buffer.from(e, 'utf8'));
    if (mode === 'byte-split') {
      const all = Buffer.concat(writes);
      writes = [];
      for (let off = 0, i = 0; off < all.length; i++) {
        const size = BYTE_SPLIT_SIZES[i % BYTE_SPLIT_SIZES.length]!;
        writes.push(all.subarray(off, off + size));
        off += size;
      }
    }
    for (const w of writes) {
      if (res.destroyed) return;
      res.write(w);
      await sleep(WRITE_GAP_MS, undefined, { signal: closing.signal });
    }
    res.end();
  };

  const openAi = new OpenAiState();
  const v1 = async (req: http.IncomingMessage, res: http.ServerResponse, bytes: Buffer, o: FakeGitHubModelsOptions): Promise<void> => {
    const auth = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!auth || !(o.tokens ?? DEFAULT_TOKENS).includes(auth[1]!)) {
      return send(res, 401, openAiError('Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'));
    }
    const behaviour = o.tokenBehaviour?.[auth[1]!];
    if (behaviour === 'reset') return void req.socket.destroy();
    if (behaviour === 'rate-limited' || o.rateLimited) {
      return send(res, 429, openAiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), { 'retry-after': '30', 'x-ratelimit-remaining-requests': '0' });
    }
    if (behaviour && 'status' in behaviour) return send(res, behaviour.status, openAiError(`token answers ${behaviour.status}`, 'server_error', null));
    if (behaviour && 'delayMs' in behaviour) await sleep(behaviour.delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
    const io: OpenAiIo = {
      send: (status, body, headers) => send(res, status, body, headers),
      sendBytes: (status, body, contentType) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': contentType, 'content-length': String(body.length) });
        res.end(body);
      },
      sse: (events) => writeSse(res, events, o.sseChunking),
    };
    await answerOpenAi(req, bytes, io, openAi);
  };

  const answer = async (req: http.IncomingMessage, res: http.ServerResponse, raw: string, bytes: Buffer): Promise<void> => {
    const o = opts;
    if (o.delayMs) await sleep(o.delayMs, undefined, { signal: closing.signal });
    const pathname = new URL(req.url ?? '/', 'http://fake').pathname;
    if (isOpenAiPath(pathname)) return v1(req, res, bytes, o);
    const r = route(req.method ?? 'GET', pathname);
    if (!r) return send(res, 404, notFoundBody());
    if (o.retired) return send(res, 410, retirementBody());

    const auth = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!auth || !(o.tokens ?? DEFAULT_TOKENS).includes(auth[1]!)) {
      const message = auth
        ? 'The `models` permission is required to access this endpoint'
        : 'Authentication required: send `Authorization: Bearer <token>`';
      return send(res, 401, errorBody('unauthorized', message, 'Use a GitHub token with the `models: read` permission.'));
    }
    if (r.org !== undefined && !(o.orgs ?? DEFAULT_ORGS).some((g) => g.toLowerCase() === r.org!.toLowerCase())) {
      return send(res, 404, errorBody('not_found', `Organization not found or GitHub Models is not enabled for it: ${r.org}`));
    }
    const models = o.models ?? DEFAULT_MODELS;
    if (r.kind === 'catalog') return send(res, 200, models.map(catalogItem));

    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      return send(res, 415, errorBody('unsupported_media_type', "Unsupported 'Content-Type': requests must use 'application/json'."));
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return send(res, 400, errorBody('bad_request', 'Problems parsing JSON'));
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return send(res, 400, errorBody('bad_request', 'Problems parsing JSON'));
    try {
      validate(r.kind, body, models);
    } catch (e) {
      if (e instanceof Reject) return send(res, e.status, e.body, e.headers);
      throw e;
    }
    const behaviour = o.tokenBehaviour?.[auth[1]!];
    if (behaviour === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behaviour === 'rate-limited') {
      const rl = rateLimitAnswer(30, 'UserByModelByMinute');
      return send(res, 429, rl.body, rl.headers);
    }
    if (behaviour && 'status' in behaviour) return send(res, behaviour.status, errorBody('upstream_failure', `token answers ${behaviour.status}`));
    if (behaviour && 'delayMs' in behaviour) await sleep(behaviour.delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
    if (o.rateLimited) {
      const { retryAfter, type } = o.rateLimited === true ? { retryAfter: 46, type: 'UserByModelByMinute' } : o.rateLimited;
      const rl = rateLimitAnswer(retryAfter, type);
      return send(res, 429, rl.body, rl.headers);
    }
    if (r.kind === 'embeddings') return send(res, 200, embeddingsResponse(body as unknown as EmbeddingsRequest));

    const chat = body as unknown as ChatRequest;
    const id = `chatcmpl-fake-${String(++seq).padStart(6, '0')}`;
    const created = Math.floor(Date.now() / 1000);
    if (chat.stream !== true) return send(res, 200, chatCompletion(chat, id, created));
    const mode = o.sseChunking ?? 'event';
    await writeSse(res, sseEvents(chatChunks(chat, id, created), mode === 'crlf' ? '\r\n' : '\n'), mode);
  };

  const server = http.createServer((req, res) => {
    res.on('error', () => {});
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(parts);
      const raw = bytes.toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body: raw, bytes });
      answer(req, res, raw, bytes).catch((e: unknown) => {
        if (closing.signal.aborted || res.destroyed) return;
        if (!res.headersSent) send(res, 500, errorBody('internal_error', String(e)));
        else res.destroy();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    setOptions(o) {
      opts = { ...opts, ...o };
    },
    close() {
      closing.abort();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
