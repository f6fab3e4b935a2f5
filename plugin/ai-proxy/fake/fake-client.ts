/**
 * Test client for the fake GitHub Models server: a fake started before and closed after each test, JSON
 * and raw-socket requests (the raw one returns the chunked body frame by frame, one frame per server
 * write), and checks of the SSE answers.
 */
import net from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';
import { startFakeGitHubModels, type FakeGitHubModels } from './github-models.ts';

export const TOKEN = 'ghp_fake_token';
let fake: FakeGitHubModels | undefined;

/** Starts a fresh fake before each test of the calling file and closes it after. */
export function useFake(): () => FakeGitHubModels {
  let open = false;
  beforeEach(async () => {
    const started = await startFakeGitHubModels();
    const close = started.close.bind(started);
    started.close = () => ((open = false), close());
    fake = started;
    open = true;
  });
  afterEach(async () => {
    if (open) await fake?.close();
  });
  return current;
}

function current(): FakeGitHubModels {
  if (!fake) throw new Error('useFake() was not called in this test file');
  return fake;
}

export function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(current().url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

export const chatBody = (extra: object = {}) => ({
  model: 'openai/gpt-4.1',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello to the gateway' },
  ],
  ...extra,
});

export interface RawResponse { status: number; headers: Record<string, string>; frames: Buffer[] }

/** One HTTP/1.1 request over a raw socket; the chunked body is returned frame by frame (one frame per server write). */
export function rawPost(path: string, body: unknown): Promise<RawResponse> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const sock = net.connect(current().port, '127.0.0.1');
    const data: Buffer[] = [];
    sock.on('data', (d) => data.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      const all = Buffer.concat(data);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const frames: Buffer[] = [];
      let off = split + 4;
      for (;;) {
        const eol = all.indexOf('\r\n', off);
        const size = parseInt(all.subarray(off, eol).toString('latin1'), 16);
        if (!(size > 0)) break;
        frames.push(all.subarray(eol + 2, eol + 2 + size));
        off = eol + 2 + size + 2;
      }
      resolve({ status: Number(head[0]!.split(' ')[1]), headers, frames });
    });
    sock.write(
      `POST ${path} HTTP/1.1\r\nHost: models.github.ai\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`,
    );
    sock.write(payload);
  });
}

/** Strict SSE split: events end with a blank line; returns each event's `data:` payload. */
export function sseData(text: string): string[] {
  const norm = text.replaceAll('\r\n', '\n');
  expect(norm.endsWith('\n\n')).toBe(true);
  return norm
    .slice(0, -2)
    .split('\n\n')
    .map((ev) => {
      const lines = ev.split('\n');
      expect(lines.every((l) => l.startsWith('data: '))).toBe(true);
      return lines.map((l) => l.slice(6)).join('\n');
    });
}

type Chunk = { object: string; model: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: unknown };

export function checkStream(data: string[], includeUsage: boolean) {
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  expect(chunks.length).toBeGreaterThan(3);
  expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'openai/gpt-4.1')).toBe(true);
  expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  expect(text).toBe('Echo: Say hello to the gateway');
  const last = chunks.at(-1)!;
  if (includeUsage) {
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  } else {
    expect(last.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
  }
}

