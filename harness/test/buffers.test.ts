/**
 * Buffers through the ABI (reference §4, §9): clamped reads, the buffer types an HTTP plugin can see,
 * the write forms Envoy allows on a body, the `body_size` each body callback gets (Envoy ≥1.33
 * cumulative vs 1.27 lagging), and the stream buffer limits (413/500, Higress's limit override).
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import type { Host } from '../src/host.ts';
import type { HostOptions } from '../src/options.ts';
import { op, outs, record, recorderGuest, s, statusAndText, v, type Callbacks } from './support/recorder.ts';

const IMPORTS = ['proxy_get_buffer_bytes', 'proxy_get_buffer_status', 'proxy_set_buffer_bytes', 'proxy_set_property'];

function plugin(callbacks: Callbacks, strings: Record<string, string> = {}): Uint8Array {
  return recorderGuest(callbacks, { imports: IMPORTS, strings });
}

const bytes = (type: number, start: number | string, max: number | string) =>
  op(`(call $proxy_get_buffer_bytes (i32.const ${type}) ${v(start)} ${v(max)} (i32.const 512) (i32.const 516))`);
const status = (type: number) => op(`(call $proxy_get_buffer_status (i32.const ${type}) (i32.const 512) (i32.const 516))`);
const set = (type: number, start: number, length: number, data: string) =>
  op(`(call $proxy_set_buffer_bytes (i32.const ${type}) (i32.const ${start}) (i32.const ${length}) ${s(data)})`);
const BUFFER_UNTIL_END = '(select (i32.const 0) (i32.const 1) (local.get 2))';

const REQ = { ':method': 'POST', ':path': '/a', ':authority': 'h' };
const NONE = 0xffffffff;

async function bodyRun(callbacks: Record<string, string>, chunks: string[], options: Partial<HostOptions> = {}, strings = {}) {
  const host = await createHost({ module: plugin(callbacks, strings), ...options });
  const stream = host.newHttpStream();
  stream.sendRequestHeaders(REQ, false);
  chunks.forEach((chunk, i) => stream.sendRequestBody(chunk, i === chunks.length - 1));
  return { host, stream };
}

describe('reading buffers', () => {
  it('get_buffer_bytes clamps start and length to the body; an empty result is ptr 0, size 0 (ref §4)', async () => {
    const reads = [bytes(0, 0, 5), bytes(0, 6, 100), bytes(0, 0, NONE), bytes(0, 11, 5), bytes(0, 20, 5)];
    const { host } = await bodyRun({ proxy_on_request_body: `${reads.join(' ')} (i32.const 0)` }, ['hello world']);
    expect(outs(host).map((o) => [o.status, o.text])).toEqual([[0, 'hello'], [0, 'world'], [0, 'hello world'], [0, ''], [0, '']]);
    expect(outs(host).slice(3).map((o) => [o.ptr, o.size])).toEqual([[0, 0], [0, 0]]);
  });

  it('answers BadArgument when start + max_size overflows u32 (ref §4)', async () => {
    const { host } = await bodyRun({ proxy_on_request_body: `${bytes(0, 1, NONE)} ${bytes(0, NONE, 1)} (i32.const 0)` }, ['hello']);
    expect(outs(host).map((o) => o.status)).toEqual([2, 2]);
  });

  it('get_buffer_status reports the current length and zero flags (ref §4)', async () => {
    const { host } = await bodyRun({ proxy_on_request_body: `${status(0)} ${status(1)} (i32.const 0)` }, ['hello world']);
    expect(outs(host).map((o) => [o.status, o.ptr, o.size])).toEqual([[0, 11, 0], [0, 0, 0]]);
  });

  it('rejects buffer type 9 with BadArgument on vanilla Envoy (ref §3, §4)', async () => {
    const calls = [bytes(9, 0, 10), status(9), set(9, 0, 0, 'x')];
    const { host } = await bodyRun({ proxy_on_request_body: `${calls.join(' ')} (i32.const 0)` }, ['hello'], {}, { x: 'x' });
    expect(outs(host).map((o) => o.status)).toEqual([2, 2, 2]);
  });

  it('the callout body is NotFound outside proxy_on_http_call_response (ref §4)', async () => {
    const { host } = await bodyRun({ proxy_on_request_body: `${bytes(4, 0, 10)} ${status(4)} (i32.const 0)` }, ['hello']);
    expect(outs(host).map((o) => o.status)).toEqual([1, 1]);
  });

  it('DownstreamData exists in an HTTP plugin but is empty and read-only (ref §4, Envoy getBuffer)', async () => {
    const calls = [bytes(2, 0, 10), status(2), set(2, 0, 0, 'x')];
    const { host } = await bodyRun({ proxy_on_request_body: `${calls.join(' ')} (i32.const 0)` }, ['hello'], {}, { x: 'x' });
    expect(outs(host).map((o) => [o.status, o.ptr, o.size])).toEqual([[0, 0, 0], [0, 0, 0], [2, NONE, NONE]]);
  });

  it('configurations are immutable; the plugin configuration is NotFound outside on_configure (ref §4)', async () => {
    const probe = [set(7, 0, 0, 'x'), set(6, 0, 0, 'x'), bytes(7, 0, 100), bytes(6, 0, 100)];
    const { host, stream } = await bodyRun(
      { proxy_on_configure: `${probe.join(' ')} (i32.const 1)`, proxy_on_request_body: `${probe.join(' ')} (i32.const 0)` },
      ['hello'],
      { pluginConfig: '{"a":1}', vmConfig: 'vm-cfg' },
      { x: 'x' },
    );
    expect(statusAndText(host)).toEqual([
      [2, undefined], [2, undefined], [0, '{"a":1}'], [0, 'vm-cfg'],
      [1, undefined], [2, undefined], [1, undefined], [0, 'vm-cfg'],
    ]);
    expect(stream.upstream.text).toBe('hello');
  });
});

describe('set_buffer_bytes on a body (ref §4, Envoy Buffer::copyFrom)', () => {
  it.each([
    ['start 0, length = size replaces everything', 0, 5, 0, 'HOWDY!'],
    ['start 0, length > size replaces everything', 0, 1000, 0, 'HOWDY!'],
    ['start 0, length 0 prepends', 0, 0, 0, 'HOWDY!hello'],
    ['start 0, 0 < length < size drains length bytes then prepends', 0, 2, 0, 'HOWDY!llo'],
    ['start = size appends', 5, 0, 0, 'helloHOWDY!'],
    ['start > size appends', 99, 3, 0, 'helloHOWDY!'],
    ['0 < start < size is BadArgument and leaves the body', 2, 1, 2, 'hello'],
  ])('%s', async (_name, start, length, expected, forwarded) => {
    const { host, stream } = await bodyRun(
      { proxy_on_request_body: `${set(0, start, length, 'data')} ${bytes(0, 0, 100)} (i32.const 0)` },
      ['hello'],
      {},
      { data: 'HOWDY!' },
    );
    expect(statusAndText(host)).toEqual([[expected, undefined], [0, forwarded]]);
    expect(stream.upstream.text).toBe(forwarded);
    expect(stream.upstream.ended).toBe(true);
  });

  it('replaces the response body the client receives (ref §4)', async () => {
    const host = await createHost({ module: plugin({ proxy_on_response_body: `${set(1, 0, 100, 'data')} (i32.const 0)` }, { data: 'changed' }) });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('original', true);
    expect(outs(host).map((o) => o.status)).toEqual([0]);
    expect(stream.client.text).toBe('changed');
  });
});

describe('body_size while buffering (ref §9)', () => {
  const sizesAndReads = `${record('(local.get 1)')} ${bytes(0, 0, '(local.get 1)')}`;
  const CHUNKS = ['aaaaa', 'bbbbbbb', 'ccccccccc'];
  const pairsOf = (host: Host) => {
    const o = outs(host);
    return CHUNKS.map((_, i) => [o[2 * i]!.status, o[2 * i + 1]!.text]);
  };

  it('is cumulative on Envoy ≥1.33 and the read at end of stream holds everything', async () => {
    const { host, stream } = await bodyRun({ proxy_on_request_body: `${sizesAndReads} ${BUFFER_UNTIL_END}` }, CHUNKS);
    expect(pairsOf(host)).toEqual([[5, 'aaaaa'], [12, 'aaaaabbbbbbb'], [21, CHUNKS.join('')]]);
    expect(stream.upstream.text).toBe(CHUNKS.join(''));
    expect(stream.upstream.chunks).toHaveLength(1);
  });

  it('lags one chunk on Envoy 1.27 (bodySizes lagging), yet the forwarded body is complete', async () => {
    const { host, stream } = await bodyRun({ proxy_on_request_body: `${sizesAndReads} ${BUFFER_UNTIL_END}` }, CHUNKS, { bodySizes: 'lagging' });
    expect(pairsOf(host)).toEqual([[5, 'aaaaa'], [5, 'aaaaa'], [12, 'aaaaabbbbbbb']]);
    expect(stream.upstream.text).toBe(CHUNKS.join(''));
    expect(stream.upstream.ended).toBe(true);
  });

  it('without buffering every call sees exactly its own chunk, in both modes', async () => {
    for (const bodySizes of ['cumulative', 'lagging'] as const) {
      const { host, stream } = await bodyRun({ proxy_on_request_body: `${sizesAndReads} (i32.const 0)` }, CHUNKS, { bodySizes });
      expect(pairsOf(host)).toEqual([[5, 'aaaaa'], [7, 'bbbbbbb'], [9, 'ccccccccc']]);
      expect(stream.upstream.chunks.map((c) => new TextDecoder().decode(c))).toEqual(CHUNKS);
    }
  });
});

describe('buffer limits (ref §9, §10)', () => {
  const BUFFER = { proxy_on_request_body: BUFFER_UNTIL_END };

  it('buffering a request body past the limit ends in a 413 local reply and the upstream never sees the end', async () => {
    const { stream } = await bodyRun(BUFFER, ['aaaaaaa', 'bbbbbbb'], { bufferLimits: { request: 10 } });
    expect(stream.client.status).toBe(413);
    expect(stream.localReply?.details).toBe('request_payload_too_large');
    expect(stream.upstream.ended).toBe(false);
    expect(stream.upstream.body.length).toBe(0);
    expect(stream.trace.filter((t) => t.callback === 'proxy_on_request_body')).toHaveLength(1);
  });

  it('set_property("set_decoder_buffer_limit") raises the request limit (Higress)', async () => {
    const raise = `${op(`(call $proxy_set_property ${s('key')} ${s('limit')})`)} (i32.const 0)`;
    const { host, stream } = await bodyRun(
      { ...BUFFER, proxy_on_request_headers: raise },
      ['aaaaaaa', 'bbbbbbb'],
      { bufferLimits: { request: 10 } },
      { key: 'set_decoder_buffer_limit', limit: '100000' },
    );
    expect(outs(host)[0]!.status).toBe(0);
    expect(stream.client.status).toBeUndefined();
    expect(stream.upstream.text).toBe('aaaaaaabbbbbbb');
    expect(stream.upstream.ended).toBe(true);
  });

  it('a response over the limit before its headers were sent becomes a 500', async () => {
    const host = await createHost({ module: plugin({ proxy_on_response_headers: '(i32.const 3)' }), bufferLimits: { response: 10 } });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('aaaaaaa', false);
    stream.sendResponseBody('bbbbbbb', true);
    expect(stream.client.status).toBe(500);
    expect(stream.localReply?.details).toBe('response_payload_too_large');
  });

  it('a response over the limit after its headers were sent resets the stream', async () => {
    const host = await createHost({ module: plugin({ proxy_on_response_body: BUFFER_UNTIL_END }), bufferLimits: { response: 10 } });
    const stream = host.newHttpStream();
    stream.sendRequestHeaders(REQ, true);
    stream.sendResponseHeaders({ ':status': '200' }, false);
    stream.sendResponseBody('aaaaaaa', false);
    stream.sendResponseBody('bbbbbbb', true);
    expect(stream.client.status).toBe(200);
    expect(stream.client.reset).toBeDefined();
    expect(stream.client.ended).toBe(false);
  });
});
