/**
 * The fake's OpenAI API under `/v1` (what OpenAI and the OpenAI-compatible successors of GitHub Models
 * serve), after the fake's authentication: chat, completions, embeddings, models (list, retrieve),
 * responses (create plain or streamed, retrieve, delete, cancel, input items), images (generations as
 * JSON; edits as multipart or JSON with image URLs; variations as multipart), audio (speech as bytes, transcriptions and translations as
 * multipart), moderations, files (multipart upload, list, retrieve, content, delete) and batches
 * (create, list, retrieve, cancel). Answers follow the API reference's shapes; what was created is
 * kept per fake. Errors are OpenAI's `{"error":{message,type,param,code}}`: 404 for an unknown route
 * or object, 405 for a known path with another method, 415 for a body of the wrong media type, 400 for
 * a body that does not parse or misses a required field.
 */
import type http from 'node:http';
import { chatChunks, chatCompletion, embeddingsResponse, sseEvents, type ChatRequest, type EmbeddingsRequest } from './responses.ts';
import {
  batchObject, completion, completionChunks, fileObject, imageGeneration, inputText, modelObject, moderation, namedSseEvents, openAiError,
  responseEvents, responseObject, speechBytes, transcription, type CompletionRequest, type ResponsesRequest,
} from './openai-answers.ts';
import { boundaryOf, field, filePart, parseForm, type FormPart } from './multipart-form.ts';

export interface OpenAiIo {
  send(status: number, body: unknown, headers?: Record<string, string>): void;
  sendBytes(status: number, body: Buffer, contentType: string): void;
  sse(events: string[]): Promise<void>;
}

interface Stored { response: Record<string, unknown>; input: unknown }

/** What the fake created, per fake server. */
export class OpenAiState {
  seq = 0;
  readonly responses = new Map<string, Stored>();
  readonly files = new Map<string, { object: ReturnType<typeof fileObject>; data: Buffer }>();
  readonly batches = new Map<string, ReturnType<typeof batchObject>>();
  next(prefix: string): string {
    return `${prefix}${String(++this.seq).padStart(6, '0')}fake`;
  }
}

export const OPENAI_MODELS = ['gpt-4.1', 'gpt-4.1-mini', 'gpt-3.5-turbo-instruct', 'text-embedding-3-small', 'gpt-image-1', 'gpt-4o-mini-tts', 'gpt-4o-transcribe', 'whisper-1', 'omni-moderation-latest'];

type Handler = (ctx: RouteContext) => Promise<void> | void;
interface RouteContext { req: http.IncomingMessage; raw: Buffer; io: OpenAiIo; state: OpenAiState; ids: string[]; query: URLSearchParams }

class Refusal extends Error {
  constructor(readonly status: number, message: string, readonly type = 'invalid_request_error', readonly code: string | null = null, readonly param: string | null = null) {
    super(message);
  }
}

const now = () => Math.floor(Date.now() / 1000);

function json(ctx: RouteContext): Record<string, unknown> {
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new Refusal(415, `Unsupported content type: '${type}'. This API method only accepts 'application/json' requests.`, 'invalid_request_error', 'unsupported_media_type');
  let body: unknown;
  try {
    body = JSON.parse(ctx.raw.toString('utf8'));
  } catch {
    throw new Refusal(400, 'We could not parse the JSON body of your request.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Refusal(400, 'We could not parse the JSON body of your request.');
  return body as Record<string, unknown>;
}

function form(ctx: RouteContext): FormPart[] {
  const boundary = boundaryOf(ctx.req.headers['content-type']);
  if (!boundary) throw new Refusal(415, "This API method only accepts 'multipart/form-data' requests.", 'invalid_request_error', 'unsupported_media_type');
  try {
    return parseForm(ctx.raw, boundary);
  } catch (error) {
    throw new Refusal(400, `The multipart body could not be read: ${(error as Error).message}.`);
  }
}

function required<T>(value: T | undefined, param: string): T {
  if (value === undefined || value === null || value === '') throw new Refusal(400, `Missing required parameter: '${param}'.`, 'invalid_request_error', 'missing_required_parameter', param);
  return value;
}

function knownModel(model: unknown): string {
  const id = required(model as string | undefined, 'model');
  if (typeof id !== 'string' || !OPENAI_MODELS.includes(id)) throw new Refusal(404, `The model '${String(id)}' does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
  return id;
}

function stored<T>(map: Map<string, T>, id: string, what: string): T {
  const found = map.get(id);
  if (!found) throw new Refusal(404, `No ${what} found with id '${id}'.`, 'invalid_request_error', null);
  return found;
}

const chat: Handler = async (ctx) => {
  const body = json(ctx) as unknown as ChatRequest;
  knownModel(body.model);
  if (!Array.isArray(body.messages) || body.messages.length === 0) required(undefined, 'messages');
  const id = ctx.state.next('chatcmpl-');
  if (body.stream !== true) return ctx.io.send(200, chatCompletion(body, id, now()));
  await ctx.io.sse(sseEvents(chatChunks(body, id, now()), '\n'));
};

const completions: Handler = async (ctx) => {
  const body = json(ctx) as unknown as CompletionRequest;
  knownModel(body.model);
  const id = ctx.state.next('cmpl-');
  if (body.stream !== true) return ctx.io.send(200, completion(body, id, now()));
  await ctx.io.sse(sseEvents(completionChunks(body, id, now()), '\n'));
};

const embeddings: Handler = (ctx) => {
  const body = json(ctx) as unknown as EmbeddingsRequest;
  knownModel(body.model);
  required(body.input, 'input');
  ctx.io.send(200, embeddingsResponse(body));
};

const createResponse: Handler = async (ctx) => {
  const body = json(ctx) as ResponsesRequest;
  knownModel(body.model);
  required(body.input, 'input');
  const id = ctx.state.next('resp_');
  const created = now();
  const response = responseObject(body, id, created);
  ctx.state.responses.set(id, { response, input: body.input });
  if (body.stream !== true) return ctx.io.send(200, response);
  await ctx.io.sse(namedSseEvents(responseEvents(body, id, created)));
};

const imagesGenerate: Handler = (ctx) => {
  const body = json(ctx);
  if (body.model !== undefined) knownModel(body.model);
  const prompt = required(body.prompt as string | undefined, 'prompt');
  ctx.io.send(200, imageGeneration(prompt, typeof body.n === 'number' ? body.n : 1, now()));
};

const imagesFromForm: Handler = (ctx) => {
  if ((ctx.req.headers['content-type'] ?? '').startsWith('application/json')) {
    const body = json(ctx);
    if (body.model !== undefined) knownModel(body.model);
    required(Array.isArray(body.images) && body.images.length > 0 ? body.images : undefined, 'images');
    return ctx.io.send(200, imageGeneration(required(body.prompt as string | undefined, 'prompt'), 1, now()));
  }
  const parts = form(ctx);
  const model = field(parts, 'model');
  if (model !== undefined) knownModel(model);
  required(filePart(parts, 'image') ?? filePart(parts, 'image[]'), 'image');
  ctx.io.send(200, imageGeneration(field(parts, 'prompt') ?? 'variation', Number(field(parts, 'n') ?? 1), now()));
};

const speech: Handler = (ctx) => {
  const body = json(ctx);
  knownModel(body.model);
  const input = required(body.input as string | undefined, 'input');
  required(body.voice, 'voice');
  ctx.io.sendBytes(200, speechBytes(input), body.response_format === 'wav' ? 'audio/wav' : 'audio/mpeg');
};

const transcribe: Handler = (ctx) => {
  const parts = form(ctx);
  knownModel(field(parts, 'model'));
  const file = required(filePart(parts, 'file'), 'file');
  const answer = transcription(file.filename!, file.data.length, field(parts, 'prompt'));
  if (field(parts, 'response_format') === 'text') return ctx.io.sendBytes(200, Buffer.from(`${answer.text}\n`), 'text/plain; charset=utf-8');
  ctx.io.send(200, answer);
};

const moderate: Handler = (ctx) => {
  const body = json(ctx);
  const model = body.model === undefined ? 'omni-moderation-latest' : knownModel(body.model);
  ctx.io.send(200, moderation(model, required(body.input, 'input'), ctx.state.next('modr-')));
};

const uploadFile: Handler = (ctx) => {
  const parts = form(ctx);
  const file = required(filePart(parts, 'file'), 'file');
  const purpose = required(field(parts, 'purpose'), 'purpose');
  const id = ctx.state.next('file-');
  const object = fileObject(id, file.filename!, file.data.length, purpose, now());
  ctx.state.files.set(id, { object, data: Buffer.from(file.data) });
  ctx.io.send(200, object);
};

/** DELETE of a stored object: 404 when unknown, else OpenAI's `{id, object, deleted: true}`. */
const remove = (map: (state: OpenAiState) => Map<string, unknown>, object: string): Handler => ({ io, state, ids }) => {
  stored(map(state), ids[0]!, object);
  map(state).delete(ids[0]!);
  io.send(200, { id: ids[0], object, deleted: true });
};

const list = <T>(items: Iterable<T>) => ({ object: 'list', data: [...items], has_more: false });

const createBatch: Handler = (ctx) => {
  const body = json(ctx);
  const fileId = required(body.input_file_id as string | undefined, 'input_file_id');
  stored(ctx.state.files, fileId, 'file');
  required(body.endpoint, 'endpoint');
  required(body.completion_window, 'completion_window');
  const id = ctx.state.next('batch_');
  const batch = batchObject(id, body, now());
  ctx.state.batches.set(id, batch);
  ctx.io.send(200, batch);
};

const ROUTES: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
  { pattern: /^\/v1\/chat\/completions$/, methods: { POST: chat } },
  { pattern: /^\/v1\/completions$/, methods: { POST: completions } },
  { pattern: /^\/v1\/embeddings$/, methods: { POST: embeddings } },
  { pattern: /^\/v1\/models$/, methods: { GET: ({ io }) => io.send(200, list(OPENAI_MODELS.map(modelObject))) } },
  {
    pattern: /^\/v1\/models\/([^/]+)$/,
    methods: { GET: ({ io, ids }) => (OPENAI_MODELS.includes(ids[0]!) ? io.send(200, modelObject(ids[0]!)) : knownModel(ids[0])) },
  },
  { pattern: /^\/v1\/responses$/, methods: { POST: createResponse } },
  {
    pattern: /^\/v1\/responses\/([^/]+)$/,
    methods: {
      GET: ({ io, state, ids }) => io.send(200, stored(state.responses, ids[0]!, 'response').response),
      DELETE: remove((state) => state.responses, 'response'),
    },
  },
  {
    pattern: /^\/v1\/responses\/([^/]+)\/cancel$/,
    methods: { POST: ({ io, state, ids }) => io.send(200, { ...stored(state.responses, ids[0]!, 'response').response, status: 'cancelled' }) },
  },
  {
    pattern: /^\/v1\/responses\/([^/]+)\/input_items$/,
    methods: {
      GET: ({ io, state, ids }) => {
        const text = inputText(stored(state.responses, ids[0]!, 'response').input);
        const item = { id: `msg_in_${ids[0]}`, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] };
        io.send(200, { ...list([item]), first_id: item.id, last_id: item.id });
      },
    },
  },
  { pattern: /^\/v1\/images\/generations$/, methods: { POST: imagesGenerate } },
  { pattern: /^\/v1\/images\/(?:edits|variations)$/, methods: { POST: imagesFromForm } },
  { pattern: /^\/v1\/audio\/speech$/, methods: { POST: speech } },
  { pattern: /^\/v1\/audio\/(?:transcriptions|translations)$/, methods: { POST: transcribe } },
  { pattern: /^\/v1\/moderations$/, methods: { POST: moderate } },
  { pattern: /^\/v1\/files$/, methods: { GET: ({ io, state }) => io.send(200, list([...state.files.values()].map((f) => f.object))), POST: uploadFile } },
  {
    pattern: /^\/v1\/files\/([^/]+)$/,
    methods: {
      GET: ({ io, state, ids }) => io.send(200, stored(state.files, ids[0]!, 'file').object),
      DELETE: remove((state) => state.files, 'file'),
    },
  },
  { pattern: /^\/v1\/files\/([^/]+)\/content$/, methods: { GET: ({ io, state, ids }) => io.sendBytes(200, stored(state.files, ids[0]!, 'file').data, 'application/octet-stream') } },
  { pattern: /^\/v1\/batches$/, methods: { GET: ({ io, state }) => io.send(200, list(state.batches.values())), POST: createBatch } },
  { pattern: /^\/v1\/batches\/([^/]+)$/, methods: { GET: ({ io, state, ids }) => io.send(200, stored(state.batches, ids[0]!, 'batch')) } },
  {
    pattern: /^\/v1\/batches\/([^/]+)\/cancel$/,
    methods: { POST: ({ io, state, ids }) => io.send(200, { ...stored(state.batches, ids[0]!, 'batch'), status: 'cancelling' }) },
  },
];

/** Whether `pathname` is one of the fake's OpenAI routes (any method). */
export const isOpenAiPath = (pathname: string): boolean => pathname.startsWith('/v1/');

export async function answerOpenAi(req: http.IncomingMessage, raw: Buffer, io: OpenAiIo, state: OpenAiState): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  for (const { pattern, methods } of ROUTES) {
    const m = pattern.exec(url.pathname);
    if (!m) continue;
    const handler = methods[method];
    if (!handler) return io.send(405, openAiError(`Invalid method for URL (${method} ${url.pathname})`, 'invalid_request_error', 'method_not_allowed'));
    try {
      return await handler({ req, raw, io, state, ids: m.slice(1).map(decodeURIComponent), query: url.searchParams });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return io.send(error.status, openAiError(error.message, error.type, error.code, error.param));
    }
  }
  io.send(404, openAiError(`Invalid URL (${method} ${url.pathname})`, 'invalid_request_error', 'unknown_url'));
}
