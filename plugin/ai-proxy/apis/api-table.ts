/**
 * The OpenAI APIs the proxy knows, one row each: its name (as `wasm.ai_log` writes it), its Higress
 * `capabilities` key (Higress's own where it has one), the client path that addresses it with `{…}`
 * standing for an id segment, and per method how the request body is handled and whether the answer's
 * usage is recorded. Body kinds: `json` is gathered, validated and has only `model` mapped; `multipart`
 * streams through with its `model` field mapped when that part comes early; `either` is one of the two
 * by content type; `upload` is multipart without a model field, streamed unread; `raw` streams through
 * unread; `none` has no body to read.
 */
export type ApiName =
  | 'chat' | 'completions' | 'embeddings' | 'models' | 'model'
  | 'responses' | 'response' | 'response.cancel' | 'response.input_items'
  | 'images.generations' | 'images.edits' | 'images.variations'
  | 'audio.speech' | 'audio.transcriptions' | 'audio.translations'
  | 'moderations' | 'files' | 'file' | 'file.content' | 'batches' | 'batch' | 'batch.cancel';

export type BodyKind = 'json' | 'multipart' | 'either' | 'upload' | 'raw' | 'none';

export interface Operation {
  readonly body: BodyKind;
  /** A JSON body without a model (and no `*` mapping to fill it in) is refused. */
  readonly modelRequired: boolean;
  /** The answer's model and token usage are read (from JSON or SSE answers) and recorded. */
  readonly usage: boolean;
}

export interface ApiSpec {
  readonly name: ApiName;
  readonly capability: string;
  /** The client path below the API version, e.g. `/files/{file_id}/content`. */
  readonly path: string;
  readonly segments: readonly string[];
  /** The names of the `{…}` segments, in order. */
  readonly ids: readonly string[];
  readonly methods: Readonly<Record<string, Operation>>;
}

const op = (body: BodyKind, usage = false, modelRequired = false): Operation => ({ body, usage, modelRequired });
const MODEL_JSON = op('json', true, true);
const OPTIONAL_MODEL_JSON = op('json', true);
const READ = op('none');

function api(name: ApiName, capability: string, path: string, methods: Record<string, Operation>): ApiSpec {
  const segments = path.slice(1).split('/');
  const ids = segments.filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1));
  return { name, capability, path, segments, ids, methods: Object.assign(Object.create(null) as Record<string, Operation>, methods) };
}

export const APIS: readonly ApiSpec[] = [
  api('chat', 'openai/v1/chatcompletions', '/chat/completions', { POST: MODEL_JSON }),
  api('completions', 'openai/v1/completions', '/completions', { POST: MODEL_JSON }),
  api('embeddings', 'openai/v1/embeddings', '/embeddings', { POST: MODEL_JSON }),
  api('models', 'openai/v1/models', '/models', { GET: READ }),
  api('model', 'openai/v1/retrievemodel', '/models/{model}', { GET: READ }),
  api('responses', 'openai/v1/responses', '/responses', { POST: OPTIONAL_MODEL_JSON }),
  api('response', 'openai/v1/retrieveresponse', '/responses/{response_id}', { GET: READ, DELETE: READ }),
  api('response.cancel', 'openai/v1/cancelresponse', '/responses/{response_id}/cancel', { POST: op('raw') }),
  api('response.input_items', 'openai/v1/responseinputitems', '/responses/{response_id}/input_items', { GET: READ }),
  api('images.generations', 'openai/v1/imagegeneration', '/images/generations', { POST: OPTIONAL_MODEL_JSON }),
  api('images.edits', 'openai/v1/imageedit', '/images/edits', { POST: op('either', true) }),
  api('images.variations', 'openai/v1/imagevariation', '/images/variations', { POST: op('multipart', true) }),
  api('audio.speech', 'openai/v1/audiospeech', '/audio/speech', { POST: op('json', true, true) }),
  api('audio.transcriptions', 'openai/v1/audiotranscription', '/audio/transcriptions', { POST: op('multipart', true) }),
  api('audio.translations', 'openai/v1/audiotranslation', '/audio/translations', { POST: op('multipart', true) }),
  api('moderations', 'openai/v1/moderations', '/moderations', { POST: op('json') }),
  api('files', 'openai/v1/files', '/files', { GET: READ, POST: op('upload') }),
  api('file', 'openai/v1/retrievefile', '/files/{file_id}', { GET: READ, DELETE: READ }),
  api('file.content', 'openai/v1/retrievefilecontent', '/files/{file_id}/content', { GET: READ }),
  api('batches', 'openai/v1/batches', '/batches', { GET: READ, POST: op('raw') }),
  api('batch', 'openai/v1/retrievebatch', '/batches/{batch_id}', { GET: READ }),
  api('batch.cancel', 'openai/v1/cancelbatch', '/batches/{batch_id}/cancel', { POST: op('raw') }),
];

export const API_BY_NAME: ReadonlyMap<ApiName, ApiSpec> = new Map(APIS.map((spec) => [spec.name, spec]));
export const API_BY_CAPABILITY: ReadonlyMap<string, ApiSpec> = new Map(APIS.map((spec) => [spec.capability, spec]));

/** The client path of `spec` as error messages name it. */
export const clientPath = (spec: ApiSpec): string => `/v1${spec.path}`;

/** Chat and completions streams carry usage only when asked for (`stream_options.include_usage`). */
export const streamsUsageWhenAsked = (api: ApiName | undefined): boolean => api === 'chat' || api === 'completions';
