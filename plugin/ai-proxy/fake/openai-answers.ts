/**
 * The answer shapes of the OpenAI API (platform.openai.com/docs/api-reference) the fake's `/v1` routes
 * give, derived from the request so tests can predict them: Responses objects and their SSE events,
 * legacy completions and their chunks, image generations, moderations, speech bytes, transcriptions,
 * and file, batch and model objects. Token counts are words, as in the chat answers.
 */
import { countWords } from './responses.ts';

export interface ResponsesRequest {
  model?: string;
  input?: unknown;
  instructions?: string;
  max_output_tokens?: number;
  stream?: boolean;
}

/** The text of a Responses `input`: a string, or the text parts of its messages. */
export function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  return input
    .map((item) => {
      const content = (item as { content?: unknown } | null)?.content;
      if (typeof content === 'string') return content;
      if (!Array.isArray(content)) return '';
      return content.map((part) => ((part as { text?: unknown } | null)?.text as string | undefined) ?? '').join(' ');
    })
    .join(' ');
}

/** `Echo: <input text>`, cut to `max_output_tokens` words (status `incomplete`). */
function responseWords(req: ResponsesRequest): { words: string[]; incomplete: boolean; input: number } {
  let words = ['Echo:', ...inputText(req.input).split(/\s+/).filter(Boolean)];
  const max = req.max_output_tokens;
  const incomplete = typeof max === 'number' && max >= 0 && words.length > max;
  if (incomplete) words = words.slice(0, max);
  return { words, incomplete, input: countWords(inputText(req.input)) + countWords(req.instructions ?? '') };
}

export function responseObject(req: ResponsesRequest, id: string, createdAt: number, status: 'completed' | 'in_progress' = 'completed') {
  const { words, incomplete, input } = responseWords(req);
  const done = status === 'completed';
  const text = words.join(' ');
  return {
    id, object: 'response', created_at: createdAt, status: done && incomplete ? 'incomplete' : status, error: null,
    incomplete_details: done && incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: req.instructions ?? null, max_output_tokens: req.max_output_tokens ?? null, model: req.model,
    output: done ? [{ type: 'message', id: `msg_${id.slice(5)}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }] : [],
    parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null }, store: true, temperature: 1,
    text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1, truncation: 'disabled',
    usage: done ? { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: words.length, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + words.length } : null,
    user: null, metadata: {},
  };
}

/** The events of a streamed response, in OpenAI's order, each with its `sequence_number`. */
export function responseEvents(req: ResponsesRequest, id: string, createdAt: number): Array<{ type: string } & Record<string, unknown>> {
  const started = responseObject(req, id, createdAt, 'in_progress');
  const finished = responseObject(req, id, createdAt);
  const item = finished.output[0]!;
  const text = item.content[0]!.text;
  const part = { type: 'output_text', text: '', annotations: [] };
  const events: Array<Record<string, unknown> & { type: string }> = [
    { type: 'response.created', response: started },
    { type: 'response.in_progress', response: started },
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', item_id: item.id, output_index: 0, content_index: 0, part },
    ...text.split(/(?= )/).map((delta) => ({ type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta, logprobs: [] })),
    { type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text, logprobs: [] },
    { type: 'response.content_part.done', item_id: item.id, output_index: 0, content_index: 0, part: { ...part, text } },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: finished.status === 'incomplete' ? 'response.incomplete' : 'response.completed', response: finished },
  ];
  return events.map((event, sequence) => ({ ...event, sequence_number: sequence }));
}

/** SSE with an `event:` line naming each event's type, as the Responses API streams (no `[DONE]`). */
export function namedSseEvents(events: Array<{ type: string }>): string[] {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

export interface CompletionRequest { model: string; prompt?: unknown; max_tokens?: number; stream?: boolean; stream_options?: { include_usage?: boolean } }

function completionWords(req: CompletionRequest) {
  const prompt = typeof req.prompt === 'string' ? req.prompt : Array.isArray(req.prompt) ? req.prompt.join(' ') : '';
  let words = ['Echo:', ...prompt.split(/\s+/).filter(Boolean)];
  const max = req.max_tokens ?? 16;
  const finish = words.length > max ? 'length' : 'stop';
  if (finish === 'length') words = words.slice(0, max);
  const input = countWords(prompt);
  return { text: words.join(' '), words, finish, usage: { prompt_tokens: input, completion_tokens: words.length, total_tokens: input + words.length } };
}

export function completion(req: CompletionRequest, id: string, created: number) {
  const { text, finish, usage } = completionWords(req);
  return { id, object: 'text_completion', created, model: req.model, system_fingerprint: 'fp_fake', choices: [{ text, index: 0, logprobs: null, finish_reason: finish }], usage };
}

/** One chunk per word, the last with its finish reason; a usage chunk with `choices: []` only when asked for. */
export function completionChunks(req: CompletionRequest, id: string, created: number): object[] {
  const { words, finish, usage } = completionWords(req);
  const chunk = (text: string, reason: string | null) => ({ id, object: 'text_completion', created, model: req.model, choices: [{ text, index: 0, logprobs: null, finish_reason: reason }] });
  const out: object[] = words.map((w, i) => chunk(i === 0 ? w : ` ${w}`, i === words.length - 1 ? finish : null));
  if (req.stream_options?.include_usage === true) out.push({ id, object: 'text_completion', created, model: req.model, choices: [], usage });
  return out;
}

/** `n` images as base64 (a few bytes naming the prompt), with gpt-image-1's token usage. */
export function imageGeneration(prompt: string, n: number, created: number) {
  const input = countWords(prompt);
  const data = Array.from({ length: n }, (_, i) => ({ b64_json: Buffer.from(`fake-png ${i} ${prompt}`).toString('base64') }));
  return { created, data, usage: { input_tokens: input, input_tokens_details: { text_tokens: input, image_tokens: 0 }, output_tokens: 272 * n, total_tokens: input + 272 * n } };
}

export function moderation(model: string, input: unknown, id: string) {
  const texts = Array.isArray(input) ? input : [input];
  return {
    id, model,
    results: texts.map((text) => {
      const flagged = typeof text === 'string' && /\bviolence\b/i.test(text);
      return { flagged, categories: { violence: flagged, harassment: false }, category_scores: { violence: flagged ? 0.98 : 0.001, harassment: 0.001 } };
    }),
  };
}

/** Speech "audio": an ID3-tagged header, then bytes 0–255 repeated per character of the input (not valid UTF-8). */
export function speechBytes(input: string): Buffer {
  const body = Buffer.alloc(Math.max(1, input.length) * 256);
  for (let i = 0; i < body.length; i++) body[i] = i % 256;
  return Buffer.concat([Buffer.from('ID3\u0004\u0000\u0000', 'latin1'), body]);
}

/** A transcription of `file`: its name and size in the text, gpt-4o-transcribe's token usage. */
export function transcription(filename: string, bytes: number, prompt: string | undefined) {
  const text = `Transcript of ${filename}: ${bytes} bytes`;
  const output = countWords(text);
  const input = Math.ceil(bytes / 100) + countWords(prompt ?? '');
  return { text, usage: { type: 'tokens', input_tokens: input, input_token_details: { text_tokens: countWords(prompt ?? ''), audio_tokens: input - countWords(prompt ?? '') }, output_tokens: output, total_tokens: input + output } };
}

export function fileObject(id: string, filename: string, bytes: number, purpose: string, createdAt: number) {
  return { id, object: 'file', bytes, created_at: createdAt, filename, purpose, status: 'processed', status_details: null };
}

export function batchObject(id: string, body: Record<string, unknown>, createdAt: number, status = 'validating') {
  return {
    id, object: 'batch', endpoint: body.endpoint, errors: null, input_file_id: body.input_file_id, completion_window: body.completion_window,
    status, output_file_id: null, error_file_id: null, created_at: createdAt, in_progress_at: null, expires_at: createdAt + 86400,
    completed_at: null, failed_at: null, expired_at: null, request_counts: { total: 0, completed: 0, failed: 0 }, metadata: body.metadata ?? null,
  };
}

export const modelObject = (id: string) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' });

/** OpenAI's error shape. */
export function openAiError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}
