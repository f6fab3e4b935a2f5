/**
 * Canned, deterministic answers of the fake GitHub Models server (`github-models.ts`): catalog items,
 * chat completions (whole and as stream chunks), embeddings and error bodies. Shapes follow
 * /work/shared/reference/higress-ai-proxy.md §4 (GitHub Models REST API, OpenAI-compatible bodies).
 */

export const DEFAULT_MODELS = ['openai/gpt-4.1', 'openai/gpt-4.1-mini', 'openai/text-embedding-3-small', 'microsoft/Phi-4'];
export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

export interface CatalogItem {
  id: string;
  name: string;
  publisher: string;
  registry: string;
  summary: string;
  html_url: string;
  version: string;
  capabilities: string[];
  limits: { max_input_tokens: number; max_output_tokens: number | null };
  rate_limit_tier: string;
  supported_input_modalities: string[];
  supported_output_modalities: string[];
  tags: string[];
}

type Known = Pick<CatalogItem, 'name' | 'publisher' | 'registry' | 'summary' | 'version' | 'rate_limit_tier'> & Partial<CatalogItem>;

const KNOWN: Record<string, Known> = {
  'openai/gpt-4.1': {
    name: 'OpenAI GPT-4.1', publisher: 'OpenAI', registry: 'azure-openai', version: '2025-04-14', rate_limit_tier: 'high',
    summary: 'gpt-4.1 outperforms gpt-4o across the board, with major gains in coding, instruction following, and long-context understanding',
    limits: { max_input_tokens: 1048576, max_output_tokens: 32768 },
    supported_input_modalities: ['text', 'image'], tags: ['multipurpose', 'multilingual', 'multimodal'],
  },
  'openai/gpt-4.1-mini': {
    name: 'OpenAI GPT-4.1-mini', publisher: 'OpenAI', registry: 'azure-openai', version: '2025-04-14', rate_limit_tier: 'low',
    summary: 'gpt-4.1-mini outperform gpt-4o-mini across the board, with major gains in coding, instruction following, and long-context handling',
    limits: { max_input_tokens: 1048576, max_output_tokens: 32768 },
    supported_input_modalities: ['text', 'image'], tags: ['multipurpose', 'multilingual', 'multimodal'],
  },
  'openai/text-embedding-3-small': {
    name: 'OpenAI Text Embedding 3 (small)', publisher: 'OpenAI', registry: 'azure-openai', version: '1', rate_limit_tier: 'embeddings',
    summary: 'Text-embedding-3 series models are the latest and most capable embedding model from OpenAI.',
  },
  'microsoft/Phi-4': {
    name: 'Phi-4', publisher: 'Microsoft', registry: 'azureml', version: '7', rate_limit_tier: 'low',
    summary: 'Phi-4 14B, a highly capable model for low latency scenarios.',
    limits: { max_input_tokens: 16384, max_output_tokens: 16384 }, tags: ['reasoning', 'coding', 'small'],
  },
};

export function isEmbeddingModel(id: string): boolean {
  return /embed/i.test(id);
}

/** A catalog item with every documented field; ids not in the table above get derived values. */
export function catalogItem(id: string): CatalogItem {
  const slash = id.indexOf('/');
  const publisher = slash > 0 ? id.slice(0, slash) : 'unknown';
  const short = slash > 0 ? id.slice(slash + 1) : id;
  const embedding = isEmbeddingModel(id);
  const known: Known = KNOWN[id] ?? {
    name: short, publisher, registry: 'azureml', version: '1', rate_limit_tier: embedding ? 'embeddings' : 'low',
    summary: `${short} (fake catalog entry)`,
  };
  return {
    id,
    name: known.name,
    publisher: known.publisher,
    registry: known.registry,
    summary: known.summary,
    html_url: `https://github.com/marketplace/models/${known.registry}/${short.toLowerCase().replaceAll('.', '-')}`,
    version: known.version,
    capabilities: known.capabilities ?? (embedding ? [] : ['streaming', 'tool-calling']),
    limits: known.limits ?? (embedding ? { max_input_tokens: 8191, max_output_tokens: null } : { max_input_tokens: 8000, max_output_tokens: 4000 }),
    rate_limit_tier: known.rate_limit_tier,
    supported_input_modalities: known.supported_input_modalities ?? ['text'],
    supported_output_modalities: known.supported_output_modalities ?? [embedding ? 'embeddings' : 'text'],
    tags: known.tags ?? (embedding ? ['rag', 'multilingual'] : ['multipurpose']),
  };
}

/** Token counts are word counts (runs of non-whitespace). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Text of a message `content`: a string, or an array of parts whose `text` fields are joined with spaces. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
    .filter(Boolean)
    .join(' ');
}

export interface ChatMessage { role: string; content?: unknown }
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}
export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

/**
 * The answer is `Echo: <text of the last user message>`, cut to `max_tokens` words (finish_reason
 * `length`). prompt_tokens = words in all messages' text; completion_tokens = words in the answer.
 */
export function chatAnswer(req: ChatRequest): { words: string[]; finishReason: 'stop' | 'length'; usage: Usage } {
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  let words = ['Echo:', ...messageText(lastUser?.content).split(/\s+/).filter(Boolean)];
  let finishReason: 'stop' | 'length' = 'stop';
  if (typeof req.max_tokens === 'number' && req.max_tokens >= 0 && words.length > req.max_tokens) {
    words = words.slice(0, req.max_tokens);
    finishReason = 'length';
  }
  const prompt = req.messages.reduce((n, m) => n + countWords(messageText(m.content)), 0);
  return { words, finishReason, usage: { prompt_tokens: prompt, completion_tokens: words.length, total_tokens: prompt + words.length } };
}

export function chatCompletion(req: ChatRequest, id: string, created: number) {
  const { words, finishReason, usage } = chatAnswer(req);
  return {
    id, object: 'chat.completion', created, model: req.model, system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message: { role: 'assistant', content: words.join(' '), refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}

/**
 * The `chat.completion.chunk` objects of a streamed answer: a role chunk, one chunk per word, a
 * finish chunk with an empty delta, and — only with `stream_options.include_usage` — a last chunk with
 * `choices: []` and `usage` (the other chunks then carry `usage: null`, as OpenAI does).
 */
export function chatChunks(req: ChatRequest, id: string, created: number): object[] {
  const { words, finishReason, usage } = chatAnswer(req);
  const withUsage = req.stream_options?.include_usage === true;
  const chunk = (delta: object, finish: string | null) => ({
    id, object: 'chat.completion.chunk', created, model: req.model, system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage: null } : {}),
  });
  const out: object[] = [chunk({ role: 'assistant', content: '' }, null)];
  words.forEach((w, i) => out.push(chunk({ content: i === 0 ? w : ` ${w}` }, null)));
  out.push(chunk({}, finishReason));
  if (withUsage) out.push({ id, object: 'chat.completion.chunk', created, model: req.model, system_fingerprint: 'fp_fake', choices: [], usage });
  return out;
}

/** SSE events (`data: <json>` + blank line, then `data: [DONE]`) with the given line ending. */
export function sseEvents(chunks: object[], eol: '\n' | '\r\n'): string[] {
  return [...chunks.map((c) => JSON.stringify(c)), '[DONE]'].map((d) => `data: ${d}${eol}${eol}`);
}

/** A unit-length vector derived from FNV-1a(text) through xorshift32, rounded to 6 decimals. */
export function embeddingVector(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  let x = h || 1;
  const raw: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    raw.push((x / 0xffffffff) * 2 - 1);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

export interface EmbeddingsRequest { model: string; input: string | string[]; encoding_format?: 'float' | 'base64'; dimensions?: number }

export function embeddingsResponse(req: EmbeddingsRequest) {
  const inputs = typeof req.input === 'string' ? [req.input] : req.input;
  const tokens = inputs.reduce((n, s) => n + countWords(s), 0);
  return {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = embeddingVector(text, req.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS);
      const embedding = req.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    }),
    model: req.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

export function errorBody(code: string, message: string, details?: string) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** GitHub REST's own 404 body (api.github.com shape), used for paths the Models API does not have. */
export function notFoundBody() {
  return { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' };
}

export function retirementBody() {
  return errorBody(
    'github_models_retirement_brownout',
    'GitHub Models has been retired and is no longer available. This request failed during a scheduled retirement brownout.',
    'See https://github.com/orgs/community/discussions/203602 for details and migration options.',
  );
}

/** 429 headers and body; `UserByModelByDay` uses the daily window (50 per 86400s), anything else 10 per 60s. */
export function rateLimitAnswer(retryAfter: number, type: string) {
  const [limit, window] = /Day/.test(type) ? [50, 86400] : [10, 60];
  const message = `Rate limit of ${limit} per ${window}s exceeded for ${type}. Please wait ${retryAfter} seconds before retrying.`;
  return {
    headers: {
      'retry-after': String(retryAfter),
      'x-ratelimit-type': type,
      'x-ratelimit-timeremaining': String(retryAfter),
      'x-ms-error-code': 'RateLimitReached',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-remaining-tokens': '0',
    },
    body: errorBody('RateLimitReached', message, message),
  };
}
