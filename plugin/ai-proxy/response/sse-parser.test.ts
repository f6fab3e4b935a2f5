/**
 * SseParser against the WHATWG event-stream rules: a realistic OpenAI stream cut at every byte position
 * (two and three chunks, and byte by byte) yields the same events as in one piece, including UTF-8
 * characters cut inside; LF, CRLF and CR framing (a CR ending one chunk and its LF starting the next is
 * one line end); multi-line data, comments, `event`/`id`, BOM, and the end of an unfinished stream.
 */
import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse-parser.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

function parse(chunks: Uint8Array[]): SseEvent[] {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  return [...events, ...parser.end()];
}

const parseText = (...chunks: string[]) => parse(chunks.map(utf8));

const chunk = (fields: string) =>
  `{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1717000000,"model":"gpt-4.1-2025-04-14",${fields}}`;
const OPENAI_EVENTS = [
  chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null'),
  chunk('"choices":[{"index":0,"delta":{"content":"Grüße, 世界 🎉"},"finish_reason":null}],"usage":null'),
  chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null'),
  chunk('"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}'),
  '[DONE]',
];
const OPENAI_STREAM = utf8(OPENAI_EVENTS.map((data) => `data: ${data}\n\n`).join(''));

const SHORT_STREAM = utf8('\uFEFF: hi\r\nevent: delta\r\nid: 7\r\ndata: é🎉\r\ndata:世\r\r\ndata: [DONE]\r\n\r\n');
const SHORT_EVENTS: SseEvent[] = [
  { event: 'delta', id: '7', data: 'é🎉\n世' },
  { id: '7', data: '[DONE]' },
];

function expectEveryCut(stream: Uint8Array, expected: SseEvent[], maxMiddle = stream.length): number {
  const want = JSON.stringify(parse([stream]));
  expect(JSON.parse(want)).toEqual(expected);
  let cuts = 0;
  for (let i = 0; i <= stream.length; i++) {
    for (let j = i; j <= Math.min(i + maxMiddle, stream.length); j++, cuts++) {
      const got = JSON.stringify(parse([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]));
      if (got !== want) expect({ i, j, got }).toEqual({ i, j, got: want });
    }
  }
  return cuts;
}

describe('chunk boundaries', () => {
  it('gives the same events for the OpenAI stream cut in two at any byte, or in three (middle ≤ 8 bytes)', () => {
    const expected = OPENAI_EVENTS.map((data) => ({ data }));
    expect(expectEveryCut(OPENAI_STREAM, expected, 0)).toBe(OPENAI_STREAM.length + 1);
    expect(expectEveryCut(OPENAI_STREAM, expected, 8)).toBeGreaterThan(OPENAI_STREAM.length * 8);
  });

  it('gives the same events for every three-way cut of a CRLF/CR stream with BOM and multi-byte characters', () => {
    expect(expectEveryCut(SHORT_STREAM, SHORT_EVENTS)).toBeGreaterThan(SHORT_STREAM.length ** 2 / 2);
  });

  it('parses the stream fed one byte at a time, emitting each event at its blank line', () => {
    const parser = new SseParser();
    const seen: Array<[number, SseEvent[]]> = [];
    OPENAI_STREAM.forEach((byte, index) => {
      const events = parser.push(Uint8Array.of(byte));
      if (events.length > 0) seen.push([index, events]);
    });
    expect(seen.flatMap(([, events]) => events)).toEqual(OPENAI_EVENTS.map((data) => ({ data })));
    expect(seen.every(([index]) => OPENAI_STREAM[index] === 0x0a && OPENAI_STREAM[index - 1] === 0x0a)).toBe(true);
  });

  it('does not keep a reference to the pushed buffer', () => {
    const parser = new SseParser();
    const buffer = utf8('data: abc');
    parser.push(buffer);
    buffer.fill(0x78);
    expect(parser.push(utf8('\n\n'))).toEqual([{ data: 'abc' }]);
  });
});

describe('line ends', () => {
  it('accepts CRLF, CR and LF, also mixed', () => {
    expect(parseText('data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n')).toEqual([{ data: 'a' }, { data: 'b' }, { data: 'c' }, { data: 'd' }]);
  });

  it('treats a CR ending one chunk and the LF starting the next (even after an empty chunk) as one line end', () => {
    expect(parseText('data: a\r', '\ndata: b\r', '\n\r', '\n')).toEqual([{ data: 'a\nb' }]);
    expect(parseText('data: a\r', '', '\ndata: b\r\n\r\n')).toEqual([{ data: 'a\nb' }]);
  });

  it('does not take an LF starting a chunk for the end of a CRLF when the CR had text after it (found by the property suite)', () => {
    expect(parseText('data: a\r\rdata: b', '\n\ndata: c\n\n')).toEqual([{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
  });

  it('gives the same events for every three-way cut of a stream mixing CR, LF and CRLF framing', () => {
    const mixed = utf8('data: a\r\rdata: b\n\ndata: c\r\ndata: d\rid: 1\n\r\nevent: e\rdata: f\n\n');
    expect(expectEveryCut(mixed, [{ data: 'a' }, { data: 'b' }, { data: 'c\nd', id: '1' }, { event: 'e', data: 'f', id: '1' }])).toBeGreaterThan(1000);
  });

  it('treats LF followed by CR as two line ends', () => {
    expect(parseText('data: a\n\rdata: b\n\n')).toEqual([{ data: 'a' }, { data: 'b' }]);
  });
});

describe('fields', () => {
  it('joins data lines with LF and keeps empty data lines', () => {
    expect(parseText('data: one\ndata:\ndata: three\n\ndata\n\n')).toEqual([{ data: 'one\n\nthree' }, { data: '' }]);
  });

  it('strips exactly one space after the first colon', () => {
    expect(parseText('data:x\n\ndata:  y \n\ndata: {"a":"b:c"}\n\n')).toEqual([{ data: 'x' }, { data: ' y ' }, { data: '{"a":"b:c"}' }]);
  });

  it('ignores comments, unknown fields, retry and blank lines without data', () => {
    expect(parseText(': keep-alive\n\n:\nretry: 10\nfoo: bar\nDATA: no\n\nevent: lonely\n\ndata: yes\n\n')).toEqual([{ data: 'yes' }]);
  });

  it('reads event and id, resets event per event and keeps id until changed', () => {
    const events = parseText('event: a\nid: 1\ndata: x\n\ndata: y\n\nid\ndata: z\n\nid: 2\u0000\nevent: b\ndata: w\n\n');
    expect(events).toEqual([{ event: 'a', id: '1', data: 'x' }, { id: '1', data: 'y' }, { data: 'z' }, { event: 'b', data: 'w' }]);
  });
});

describe('BOM and UTF-8', () => {
  it('skips a BOM at the very start, even when it is cut across chunks', () => {
    const bytes = utf8('\uFEFFdata: x\n\n');
    expect(parse([bytes])).toEqual([{ data: 'x' }]);
    expect(parse([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).toEqual([{ data: 'x' }]);
  });

  it('keeps a BOM that is not at the start of the stream', () => {
    expect(parseText('data: a\n\n\uFEFFdata: b\n\ndata: \uFEFFc\n\n')).toEqual([{ data: 'a' }, { data: '\uFEFFc' }]);
  });

  it('replaces invalid UTF-8 with U+FFFD without losing the line end', () => {
    const bytes = Uint8Array.of(...utf8('data: a'), 0xff, 0xe4, 0xb8, ...utf8('\n\n'));
    expect(parse([bytes])).toEqual([{ data: 'a\uFFFD\uFFFD' }]);
  });
});

describe('end of stream', () => {
  it('discards an event without its closing blank line and reports it', () => {
    const parser = new SseParser();
    expect(parser.push(utf8('data: done\n\ndata: cut\n'))).toEqual([{ data: 'done' }]);
    expect(parser.end()).toEqual([]);
    expect(parser.incompleteAtEnd).toBe(true);
    parser.push(utf8('data: cut'));
    expect(parser.end()).toEqual([]);
    expect(parser.incompleteAtEnd).toBe(true);
  });

  it('reports nothing cut off after a complete stream, and can be reused after end()', () => {
    const parser = new SseParser();
    parser.push(utf8('id: 1\ndata: x\n\n'));
    expect(parser.end()).toEqual([]);
    expect(parser.incompleteAtEnd).toBe(false);
    expect(parser.push(utf8('\uFEFFdata: y\n\n'))).toEqual([{ data: 'y' }]);
  });
});
