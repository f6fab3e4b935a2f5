import { describe, expect, it } from 'vitest';
import { rememberLast } from './remember-last.ts';

describe('rememberLast', () => {
  it('computes once for a repeated input and again when the input changes', () => {
    const seen: string[] = [];
    const upper = rememberLast((text: string) => (seen.push(text), { text: text.toUpperCase() }));
    const first = upper('a');
    expect(upper('a')).toBe(first);
    expect(upper('b')).toEqual({ text: 'B' });
    expect(upper('a')).toEqual({ text: 'A' });
    expect(seen).toEqual(['a', 'b', 'a']);
  });
});
