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
import { ownBuffer } from '../../sdk/codec.ts';

const ANSWER = new JsonMembers(['model', 'usage']);
const MODEL = 0;
const USAGE = 1;

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
      this.observeUsage(parseScanned(ANSWER.raw));
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
      if (ANSWER.firstByte(USAGE) === 0x7b) {
        const usage = parseJson(bodyBytes('response body', body, ANSWER.valueStart(USAGE), ANSWER.valueEnd(USAGE)));
        if (usage.ok) this.observeUsage(usage.value);
      }
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
    const usage = readUsage(value);
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
  const p = object.prompt_tokens ?? object.input_tokens;
  const c = object.completion_tokens ?? object.output_tokens;
  const t = object.total_tokens;
  const prompt = count(p);
  const completion = count(c);
  const total = count(t);
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  return { promptTokens, completionTokens, totalTokens: total ?? promptTokens + completionTokens };
}
