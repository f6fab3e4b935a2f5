/** The fake's SSE answers: one event per write, byte-split writes across events, CRLF framing, include_usage. */
import { describe, expect, it } from 'vitest';
import { BYTE_SPLIT_SIZES } from './github-models.ts';
import { chatBody, checkStream, post, rawPost, sseData, useFake } from './fake-client.ts';

const fakeServer = useFake();

describe('streaming', () => {
  for (const includeUsage of [false, true]) {
    it(`'event' mode writes one event per write (include_usage ${includeUsage})`, async () => {
      const res = await rawPost('/inference/chat/completions', chatBody({ stream: true, stream_options: { include_usage: includeUsage } }));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      expect(res.frames.length).toBeGreaterThan(4);
      for (const f of res.frames) expect(sseData(f.toString('utf8'))).toHaveLength(1);
      checkStream(sseData(Buffer.concat(res.frames).toString('utf8')), includeUsage);
    });
  }

  it('include_usage off when stream_options is absent; fetch can read the stream', async () => {
    const res = await post('/inference/chat/completions', chatBody({ stream: true }));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    checkStream(sseData(await res.text()), false);
  });

  it("'byte-split' cuts events across writes at odd sizes; the concatenation still parses", async () => {
    fakeServer().setOptions({ sseChunking: 'byte-split' });
    const res = await rawPost('/inference/chat/completions', chatBody({ stream: true, stream_options: { include_usage: true } }));
    const text = Buffer.concat(res.frames).toString('utf8');
    checkStream(sseData(text), true);
    expect(res.frames.slice(0, BYTE_SPLIT_SIZES.length).map((f) => f.length)).toEqual(BYTE_SPLIT_SIZES);
    let offset = 0;
    const inside = res.frames.slice(0, -1).filter((f) => {
      offset += f.length;
      return !text.slice(0, offset).endsWith('\n\n');
    });
    expect(inside.length).toBeGreaterThan(res.frames.length / 2);
    // at least one write ends between the two newlines of an event terminator
    offset = 0;
    expect(res.frames.some((f) => ((offset += f.length), text.slice(0, offset).endsWith('}\n') && text[offset] === '\n'))).toBe(true);
  });

  it("'crlf' ends every line with CRLF", async () => {
    fakeServer().setOptions({ sseChunking: 'crlf' });
    const res = await rawPost('/inference/chat/completions', chatBody({ stream: true, stream_options: { include_usage: true } }));
    const text = Buffer.concat(res.frames).toString('utf8');
    expect(text).toMatch(/^data: \{.*\}\r\n\r\n/);
    expect(/(?<!\r)\n/.test(text)).toBe(false);
    for (const f of res.frames) expect(sseData(f.toString('utf8'))).toHaveLength(1);
    checkStream(sseData(text), true);
  });
});

