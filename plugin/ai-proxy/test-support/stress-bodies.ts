/**
 * Bodies built to stress the AI proxy's body paths, for the linearity guard and the benchmark: a chat
 * request whose one message is a string of `\n` escapes, an SSE answer of many-line events with escapes,
 * and a JSON answer whose content is escapes.
 */

/** A chat request of about `bytes` whose one message is `\n` escapes and short words. */
export function escapedRequest(bytes: number): string {
  const content = 'ab\n'.repeat(Math.max(1, Math.floor((bytes - 90) / 4)));
  return JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content }] });
}

/** An SSE answer of about `bytes`: events of 20 `data:` lines, each a JSON fragment with escapes. */
export function multiLineSse(bytes: number): string {
  const line = 'data: {"choices":[{"delta":{"content":"a\\nb\\"c"}}]}\n';
  const event = line.repeat(20) + '\n';
  const usage = 'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}\n\n';
  return event.repeat(Math.max(1, Math.floor(bytes / event.length))) + usage + 'data: [DONE]\n\n';
}

/** A JSON chat answer of about `bytes` whose content is escapes. */
export function escapedAnswer(bytes: number): string {
  const content = 'a\n"'.repeat(Math.max(1, Math.floor((bytes - 200) / 5)));
  return JSON.stringify({ object: 'chat.completion', model: 'openai/gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content } }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
}

/** A chat request of about `bytes` with a member holding many small arrays (the depth check scans them all). */
export function bracketRequest(bytes: number): string {
  const arrays = Array.from({ length: Math.max(1, Math.floor((bytes - 120) / 8)) }, () => '[1,"]"]').join(',');
  return `{"model":"gpt-4.1","stream":true,"messages":[{"role":"user","content":"hi"}],"x":[${arrays}]}`;
}
