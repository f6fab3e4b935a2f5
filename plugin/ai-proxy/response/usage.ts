/**
 * Token usage and answering model of an OpenAI-style chat/completions response, observed on the side
 * while the body is relayed unchanged. Streaming: feed each SSE event's data to `observeEvent`; `[DONE]`
 * and blank data are skipped, data that is not a JSON object counts in `malformedEvents`. The model is
 * the first non-empty `model` string seen (Azure-hosted models open with a `model: ""` filter chunk);
 * usage comes from chunks whose `usage` is an object — with `stream_options.include_usage` OpenAI sends
 * it in a final chunk with `choices: []`, some compatible servers send running totals in every chunk —
 * and the last one wins. Non-streaming: `observeAnswer` takes the same fields from the whole body, found
 * by the engine's scanner so only the usage object is parsed (`observeJson` parses it all, for what the
 * scanner declines; an unparseable body also counts in `malformedEvents`; one nested past
 * `MAX_JSON_DEPTH` is not parsed and counts in `tooDeep`). Token fields are `prompt_tokens`,
 * `completion_tokens` and `total_tokens`, or the Responses API's (and images', transcriptions')
 * `input_tokens` and `output_tokens`; a Responses stream event (`{"type":"response.…","response":{…}}`)
 * carries model and usage in its `response` (`response.created` the model, `response.completed` the
 * usage). A value that is not a finite number ≥ 0 is ignored (a missing
 * count is 0, a missing total is the sum), and a usage object without any valid count is ignored.
 */
import { parseJson, parseScanned } from '../../sdk/json.ts';
import { JsonMembers, type JsonScanResult } from '../../sdk/json-members.ts';
import { bodyBytes } from '../../sdk/buffers.ts';
import { decodeUtf8, encodeUtf8, ownBuffer } from '../../sdk/codec.ts';

const ANSWER = new JsonMembers(['model', 'usage']);
const MODEL = 0;
const USAGE = 1;
const COUNTS = new JsonMembers(['prompt_tokens', 'input_tokens', 'completion_tokens', 'output_tokens', 'total_tokens']);
const PROMPT = 0;
const INPUT = 1;
const COMPLETION = 2;
const OUTPUT = 3;
const TOTAL = 4;
const NULL = 0x6e;
/** A count the scanner leaves to the parser (a sign, fraction, exponent or more than nine digits). */
const PARSE = -1;

/** The answer's top-level `model` string as the last scan found it (in `body`, or in the body Envoy holds), or undefined. */
function modelOf(body: Uint8Array | undefined): string | undefined {
  return ANSWER.found ?? (body ? ANSWER.stringValue(body, MODEL) : ANSWER.heldString('response body', MODEL));
}


export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

type JsonObject = Record<string, unknown>;

/** Whether `"usage"` is followed by `:` and `{` (whitespace allowed), without a regex: QuickJS's are slow. */
function hasUsageObject(text: string): boolean {
  for (let at = text.indexOf('"usage"'); at !== -1; at = text.indexOf('"usage"', at + 7)) {
    let i = at + 7;
    while (text.charCodeAt(i) <= 32) i++;
    if (text.charCodeAt(i) !== 58) continue;
    i++;
    while (text.charCodeAt(i) <= 32) i++;
    if (text.charCodeAt(i) === 123) return true;
  }
  return false;
}

export class UsageTracker {
  declare model?: string;
  declare usage?: Usage;
  malformedEvents = 0;
  tooDeep = 0;

  /** One SSE `data` payload; events that carry neither a first model nor a usage object are not parsed. */
  observeEvent(data: string): void {
    const trimmed = data.trim();
    if (trimmed === '' || trimmed === '[DONE]') return;
    if (this.model !== undefined && !hasUsageObject(trimmed)) return;
    this.observeJson(trimmed);
  }

  /** A whole JSON answer: only its top-level `model` and `usage` are read, by the engine's scanner. */
  observeAnswer(body: Uint8Array): void {
    this.observeScanned(ANSWER.scan(ownBuffer(body)), body);
  }

  /** The same for a whole answer in the response body Envoy holds: the engine answers the model and the usage text, so nothing else is read into JS. */
  observeHeldAnswer(): void {
    const scan = ANSWER.scanBody('response body', MODEL, USAGE);
    if (scan === 'object' && ANSWER.raw !== undefined && ANSWER.firstByte(USAGE) === 0x7b) {
      if (this.model === undefined) this.model = modelOf(undefined) || undefined;
      const text = ANSWER.raw;
      this.keepUsage(scannedUsage(encodeUtf8(text), text));
      return;
    }
    this.observeScanned(scan, undefined);
  }

  /** After a scan of `body`, or of the body Envoy holds when `body` is undefined. */
  private observeScanned(scan: JsonScanResult, body: Uint8Array | undefined): void {
    if (scan === 'not-object') this.malformedEvents++;
    else if (scan === 'too-deep') this.tooDeep++;
    else if (scan !== 'object') this.observeJson(bodyBytes('response body', body));
    else {
      if (this.model === undefined) this.model = modelOf(body) || undefined;
      if (ANSWER.firstByte(USAGE) === 0x7b) this.keepUsage(scannedUsage(ownBuffer(bodyBytes('response body', body, ANSWER.valueStart(USAGE), ANSWER.valueEnd(USAGE)))));
    }
  }

  observeJson(body: string | Uint8Array): void {
    const result = parseJson(body);
    const parsed = result.ok && isObject(result.value) ? result.value : undefined;
    if (parsed === undefined) {
      if (!result.ok && result.error === 'depth') this.tooDeep++;
      else this.malformedEvents++;
      return;
    }
    const holder = isObject(parsed.response) && typeof parsed.type === 'string' && parsed.type.startsWith('response.') ? parsed.response : parsed;
    if (this.model === undefined && typeof holder.model === 'string' && holder.model !== '') {
      this.model = holder.model;
    }
    this.observeUsage(holder.usage);
  }

  private observeUsage(value: unknown): void {
    this.keepUsage(readUsage(value));
  }

  private keepUsage(usage: Usage | undefined): void {
    if (usage !== undefined) this.usage = usage;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A valid count: a finite number ≥ 0 (NaN fails the comparison). */
const count = (value: unknown): number | undefined => (typeof value === 'number' && value >= 0 && value !== Infinity ? value : undefined);

/** The usage in `value` when it is an object holding at least one valid count (a finite number ≥ 0). */
function readUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const object = value as JsonObject;
  return usageOf(count(object.prompt_tokens ?? object.input_tokens), count(object.completion_tokens ?? object.output_tokens), count(object.total_tokens));
}

function usageOf(prompt: number | undefined, completion: number | undefined, total: number | undefined): Usage | undefined {
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  return { promptTokens, completionTokens, totalTokens: total ?? promptTokens + completionTokens };
}

/**
 * What `readUsage` reads from the JSON object `bytes` (valid: a scan found it), taken from the engine's
 * scan of its members: counts written as at most nine digits are read there, so the object is parsed
 * only when a count is written otherwise or a name holds an escape.
 */
function scannedUsage(bytes: ArrayBuffer, text?: string): Usage | undefined {
  if (COUNTS.scan(bytes) === 'object') {
    const prompt = scannedCount(isNullish(PROMPT) ? INPUT : PROMPT);
    const completion = scannedCount(isNullish(COMPLETION) ? OUTPUT : COMPLETION);
    const total = scannedCount(TOTAL);
    if (prompt !== PARSE && completion !== PARSE && total !== PARSE) return usageOf(prompt, completion, total);
  }
  return readUsage(parseScanned(text ?? decodeUtf8(bytes)));
}

/** Whether the `index`th count is absent or null, so that `??` takes the other name. */
function isNullish(index: number): boolean {
  const kind = COUNTS.firstByte(index);
  return kind === -1 || kind === NULL;
}

/** The `index`th count as `count` reads it, or PARSE when the scanner did not read the number. */
function scannedCount(index: number): number | undefined {
  const kind = COUNTS.firstByte(index);
  if (kind === 0x2d) return PARSE;
  if (kind < 0x30 || kind > 0x39) return undefined;
  const value = COUNTS.integer(index);
  return value < 0 ? PARSE : value;
}
