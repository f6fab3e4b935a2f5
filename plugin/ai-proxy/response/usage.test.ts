/**
 * UsageTracker on what GitHub Models / OpenAI send: a stream whose usage arrives in a final `choices: []`
 * chunk (include_usage) and whose model is in every chunk, also when the stream is cut at any byte and
 * parsed with SseParser; a whole non-streaming body; `[DONE]`, malformed data, null or partial usage,
 * non-numeric counts, an Azure-style first chunk with an empty model, and running totals.
 */
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';
import { UsageTracker } from './usage.ts';

const chunk = (model: string, fields: string) =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1717000000,"model":"${model}",${fields}}`;
const STREAM = [
  chunk('gpt-4.1-2025-04-14', '"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null'),
  chunk('gpt-4.1-2025-04-14-later', '"choices":[{"index":0,"delta":{"content":"Hallo 世界"},"finish_reason":null}],"usage":null'),
  chunk('gpt-4.1-2025-04-14', '"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null'),
  chunk('gpt-4.1-2025-04-14', '"choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0}}'),
  '[DONE]',
];

function track(events: string[]): UsageTracker {
  const tracker = new UsageTracker();
  for (const data of events) tracker.observeEvent(data);
  return tracker;
}

describe('streaming', () => {
  it('takes usage from the choices:[] chunk and the model from the first chunk, ignoring [DONE]', () => {
    const tracker = track(STREAM);
    expect(tracker.usage).toEqual({ promptTokens: 19, completionTokens: 10, totalTokens: 29 });
    expect(tracker.model).toBe('gpt-4.1-2025-04-14');
    expect(tracker.malformedEvents).toBe(0);
  });

  it('has no usage when the stream carries none', () => {
    const tracker = track(STREAM.slice(0, 3));
    expect(tracker.usage).toBeUndefined();
    expect(tracker.model).toBe('gpt-4.1-2025-04-14');
  });

  it('gets the same result through SseParser wherever the bytes are cut', () => {
    const bytes = new TextEncoder().encode(STREAM.map((data) => `data: ${data}\n\n`).join(''));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new SseParser();
      const tracker = new UsageTracker();
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        for (const event of parser.push(part)) tracker.observeEvent(event.data);
      }
      const got = { cut, usage: tracker.usage, model: tracker.model, malformed: tracker.malformedEvents };
      expect(got).toEqual({ cut, usage: { promptTokens: 19, completionTokens: 10, totalTokens: 29 }, model: 'gpt-4.1-2025-04-14', malformed: 0 });
    }
  });

  it('skips an empty model (Azure content-filter chunk) and takes the first real one', () => {
    const tracker = track([chunk('', '"choices":[],"prompt_filter_results":[]'), ...STREAM.slice(1)]);
    expect(tracker.model).toBe('gpt-4.1-2025-04-14-later');
  });

  it('keeps the last usage when every chunk carries running totals', () => {
    const tracker = track([
      chunk('m', '"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}'),
      chunk('m', '"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}'),
      chunk('m', '"choices":[],"usage":null'),
    ]);
    expect(tracker.usage).toEqual({ promptTokens: 5, completionTokens: 7, totalTokens: 12 });
  });

  it('counts malformed events and goes on', () => {
    const tracker = track(['{"model":"m","choi', 'not json', '42', '[1,2]', 'null', '', '  [DONE]  ', ...STREAM]);
    expect(tracker.malformedEvents).toBe(5);
    expect(tracker.model).toBe('gpt-4.1-2025-04-14');
    expect(tracker.usage?.totalTokens).toBe(29);
  });
});

describe('usage fields', () => {
  const usageOf = (usage: string) => track([`{"model":"m","usage":${usage}}`]).usage;

  it('computes the total as the sum when it is absent or not a number', () => {
    expect(usageOf('{"prompt_tokens":3,"completion_tokens":4}')).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
    expect(usageOf('{"prompt_tokens":3,"completion_tokens":4,"total_tokens":"7"}')).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
  });

  it('treats non-numeric or negative counts as missing', () => {
    expect(usageOf('{"prompt_tokens":"3","completion_tokens":4}')).toEqual({ promptTokens: 0, completionTokens: 4, totalTokens: 4 });
    expect(usageOf('{"prompt_tokens":-1,"completion_tokens":null,"total_tokens":9}')).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 9 });
  });

  it('ignores usage that is null, not an object, or has no count', () => {
    for (const usage of ['null', '"12"', '[1]', '{}', '{"prompt_tokens":"x"}']) expect(usageOf(usage)).toBeUndefined();
  });

  it('does not let a later usage without counts erase an earlier one', () => {
    const tracker = track(['{"usage":{"prompt_tokens":1,"completion_tokens":2}}', '{"usage":{}}']);
    expect(tracker.usage).toEqual({ promptTokens: 1, completionTokens: 2, totalTokens: 3 });
  });
});

describe('non-streaming', () => {
  it('reads model and usage from a whole chat completion', () => {
    const tracker = new UsageTracker();
    tracker.observeJson(
      JSON.stringify({
        id: 'chatcmpl-2',
        object: 'chat.completion',
        created: 1717000000,
        model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10, completion_tokens_details: { reasoning_tokens: 0 } },
      }),
    );
    expect(tracker.usage).toEqual({ promptTokens: 8, completionTokens: 2, totalTokens: 10 });
    expect(tracker.model).toBe('gpt-4o-mini-2024-07-18');
    expect(tracker.malformedEvents).toBe(0);
  });

  it('leaves everything undefined for an error body and counts an unparseable one', () => {
    const tracker = new UsageTracker();
    tracker.observeJson('{"error":{"code":"RateLimitReached","message":"Rate limit of 10 per 60s exceeded"}}');
    expect([tracker.model, tracker.usage, tracker.malformedEvents]).toEqual([undefined, undefined, 0]);
    tracker.observeJson('<html>502 Bad Gateway</html>');
    expect(tracker.malformedEvents).toBe(1);
  });
});

describe('the Responses API and other token names', () => {
  const created = '{"type":"response.created","response":{"id":"resp_1","model":"gpt-4.1-2025","usage":null},"sequence_number":0}';
  const delta = '{"type":"response.output_text.delta","delta":"the \\"usage\\": {} text","sequence_number":1}';
  const completed = '{"type":"response.completed","response":{"id":"resp_1","model":"gpt-4.1-2025","usage":{"input_tokens":7,"output_tokens":3,"total_tokens":10}},"sequence_number":2}';

  it('takes the model from response.created and the usage from response.completed, inside `response`', () => {
    const tracker = track([created, delta, completed]);
    expect(tracker.model).toBe('gpt-4.1-2025');
    expect(tracker.usage).toEqual({ promptTokens: 7, completionTokens: 3, totalTokens: 10 });
  });

  it('reads usage from response.incomplete and response.failed as well, and nothing from an event of another type', () => {
    expect(track([completed.replace('response.completed', 'response.incomplete')]).usage?.totalTokens).toBe(10);
    expect(track([completed.replace('response.completed', 'response.failed')]).usage?.totalTokens).toBe(10);
    const other = track([completed.replace('"type":"response.completed"', '"type":"transcript.text.done"')]);
    expect(other.usage).toBeUndefined();
    expect(other.model).toBeUndefined();
  });

  it('reads input_tokens/output_tokens at the top level (JSON answers, transcriptions, images)', () => {
    const tracker = new UsageTracker();
    tracker.observeAnswer(new TextEncoder().encode('{"id":"resp_2","object":"response","model":"gpt-4.1","usage":{"input_tokens":4,"output_tokens":2,"total_tokens":6}}'));
    expect(tracker.usage).toEqual({ promptTokens: 4, completionTokens: 2, totalTokens: 6 });
    const transcript = track(['{"type":"transcript.text.done","text":"hi","usage":{"type":"tokens","input_tokens":14,"output_tokens":45,"total_tokens":59}}']);
    expect(transcript.usage).toEqual({ promptTokens: 14, completionTokens: 45, totalTokens: 59 });
    expect(track(['{"usage":{"type":"duration","seconds":3}}']).usage).toBeUndefined();
  });
});
