/**
 * SseEventScan (the engine's native SSE scanner plus SseParser on the events it picks) against SseParser
 * on the whole stream, property-based: for random event streams — data, comment, `event`/`id`/`retry`
 * lines, LF/CRLF/CR framing, a BOM at the start, `"usage"` written inside strings, split across data
 * lines or spaced out, payloads that are not JSON — cut at random offsets (single bytes included) and
 * with more events per chunk than one native call reports, the usage tracker fed either way ends in the
 * same state: model, usage, malformed and too-deep counts. Plus the cases a property may miss: a BOM or
 * CRLF split between chunks, and an event longer than the kept-bytes bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyString, runs } from '../test-support/hostile.ts';
import { SseEventScan } from './sse-event-scan.ts';
import { SseParser } from './sse-parser.ts';
import { UsageTracker } from './usage.ts';

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text);
const buffer = (bytes: Uint8Array) => bytes.slice().buffer;

function viaParser(chunks: Uint8Array[]) {
  const parser = new SseParser();
  const tracker = new UsageTracker();
  for (const chunk of chunks) for (const event of parser.push(chunk)) tracker.observeEvent(event.data);
  return { state: stateOf(tracker) };
}

function viaScan(chunks: Uint8Array[], maxEventBytes = 1 << 22) {
  const tracker = new UsageTracker();
  const scan = new SseEventScan(maxEventBytes, (data) => tracker.observeEvent(data));
  for (const chunk of chunks) scan.push(buffer(chunk), tracker.model === undefined);
  return { state: stateOf(tracker), oversized: scan.oversized };
}

const stateOf = (t: UsageTracker) => ({ model: t.model, usage: t.usage, malformed: t.malformedEvents, tooDeep: t.tooDeep });

const usageObject = fc.record({ prompt_tokens: fc.nat(1000), completion_tokens: fc.nat(1000) });
const payload = fc.oneof(
  { weight: 3, arbitrary: fc.record({ model: fc.constantFrom('m-1', '', 'm-2'), choices: fc.constant([]) }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.tuple(usageObject, fc.constantFrom('', ' ', '\n', '\t ')).map(([u, ws]) => `{"model":"m-u","usage"${ws}:${ws}${JSON.stringify(u)}}`) },
  { weight: 1, arbitrary: fc.constantFrom('{"content":"\\"usage\\": {"}', '{"x":"usage":{}}', '"usage""usage":{', '{"usage":null}', '[DONE]', '', '{"usage"', ':{"prompt_tokens":1}}') },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.json({ depthSize: 'small' }) },
);
const eol = fc.constantFrom('\n', '\r\n', '\r');
const line = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom('data: ', 'data:', 'data:  '), payload).map(([f, p]) => f + p) },
  { weight: 1, arbitrary: fc.constantFrom(': keep-alive', 'event: delta', 'id: 7', 'retry: 10', 'data', 'dat', 'datas: x', ':data: x', '') },
);
const event = fc.tuple(fc.array(line, { minLength: 1, maxLength: 4 }), eol).map(([lines, end]) => lines.map((l) => l.replace(/[\r\n]/g, ' ') + end).join('') + end);
const stream = fc.tuple(fc.boolean(), fc.array(event, { maxLength: 40 }), fc.boolean()).map(([bom, events, cutTail]) => {
  const text = (bom ? '\ufeff' : '') + events.join('');
  return bytesOf(cutTail ? text.slice(0, Math.max(0, text.length - 3)) : text);
});
const cutsOf = (length: number) => fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 12 }).map((c) => c.sort((a, b) => a - b));

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts, bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

describe('SseEventScan against SseParser', () => {
  it('leaves the usage tracker in the same state for random streams cut at random offsets', () => {
    fc.assert(
      fc.property(stream.chain((bytes) => fc.tuple(fc.constant(bytes), cutsOf(bytes.length))), ([bytes, cuts]) => {
        const chunks = split(bytes, cuts);
        const scanned = viaScan(chunks);
        const parsed = viaParser(chunks);
        expect(scanned.state).toEqual(parsed.state);
      }),
      runs(1500),
    );
  });

  it('agrees when the stream arrives one byte at a time', () => {
    fc.assert(
      fc.property(stream, (bytes) => {
        const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
        expect(viaScan(chunks).state).toEqual(viaParser(chunks).state);
      }),
      runs(200),
    );
  });

  it('reads every usage event when one chunk holds more events than a native call reports', () => {
    const events = Array.from({ length: 100 }, (_, i) => `data: {"model":"m","usage":{"prompt_tokens":${i},"completion_tokens":1}}\r\n\r\n`);
    const bytes = bytesOf(events.join(''));
    const seen: string[] = [];
    new SseEventScan(1 << 20, (data) => seen.push(data)).push(buffer(bytes), false);
    expect(seen).toHaveLength(100);
    expect(viaScan([bytes]).state).toEqual(viaParser([bytes]).state);
  });

  it('skips a BOM split between chunks and a CRLF split between chunks', () => {
    const bytes = bytesOf('\ufeffdata: {"model":"m","usage":{"prompt_tokens":3,"completion_tokens":4}}\r\n\r\n');
    for (const cut of [1, 2, 3, bytes.length - 1, bytes.length - 3]) {
      const chunks = split(bytes, [cut]);
      expect(viaScan(chunks).state, `cut at ${cut}`).toEqual({ model: 'm', usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, malformed: 0, tooDeep: 0 });
    }
  });

  it('does not keep an event longer than its bound, and counts it', () => {
    const big = `data: {"model":"m","pad":"${'x'.repeat(5000)}","usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n`;
    const chunks = split(bytesOf(big + 'data: {"usage":{"prompt_tokens":2,"completion_tokens":2}}\n\n'), [100, 2000, 4000]);
    const result = viaScan(chunks, 1024);
    expect(result.oversized).toBe(1);
    expect(result.state.usage).toEqual({ promptTokens: 2, completionTokens: 2, totalTokens: 4 });
  });
});
