/**
 * API tokens without a host: `apiTokens` parsing (an optional `Bearer ` prefix in any case is stripped,
 * errors never show a token), round-robin order, and consumer affinity by FNV-1a. The random strategy
 * draws from the host's random source, so it is tested through the harness (test/config-tokens.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../sdk/config/index.ts';
import { TokenPicker, fnv1a, readTokens } from './tokens.ts';

const SECRET = 'ghp_Secret123';

function errorOf(raw: unknown): string {
  try {
    readTokens(raw, 'provider');
  } catch (error) {
    return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`;
  }
  return 'no error';
}

describe('readTokens', () => {
  it('strips an optional Bearer prefix in any case, and surrounding spaces', () => {
    const raw = ['Bearer a1', 'bearer a2', 'BEARER a3', 'BeArEr\ta4', '  Bearer   a5  ', 'a6', ' a7 '];
    expect(readTokens(raw, 'provider')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
  });

  it('keeps a token that merely starts with the letters "bearer"', () => {
    expect(readTokens(['bearerish_token', 'Bearer bearer_x'], 'provider')).toEqual(['bearerish_token', 'bearer_x']);
  });

  const many = 'a non-empty array of API tokens (strings, with or without "Bearer ")';
  const spaced = 'a token without spaces (an optional "Bearer " prefix is allowed)';
  const hidden = (text: string) => `a string of ${text.length} characters (not shown)`;
  it.each([
    [undefined, `provider.apiTokens: expected ${many}, got nothing`],
    [[], `provider.apiTokens: expected ${many}, got an empty array`],
    [SECRET, `provider.apiTokens: expected ${many}, got ${hidden(SECRET)}`],
    [{ token: SECRET }, `provider.apiTokens: expected ${many}, got an object with field token`],
    [[SECRET, 7], 'provider.apiTokens[1]: expected a token string, got 7'],
    [[`${SECRET} extra`], `provider.apiTokens[0]: expected ${spaced}, got ${hidden(`${SECRET} extra`)}`],
    [[`Bearer ${SECRET} ${SECRET}`], `provider.apiTokens[0]: expected ${spaced}, got ${hidden(`Bearer ${SECRET} ${SECRET}`)}`],
    [[`${SECRET}\nx`], `provider.apiTokens[0]: expected ${spaced}, got ${hidden(`${SECRET}\nx`)}`],
    [[SECRET, 'Bearer '], `provider.apiTokens[1]: expected ${spaced}, got ${hidden('Bearer ')}`],
    [['   '], `provider.apiTokens[0]: expected ${spaced}, got ${hidden('   ')}`],
    [[''], `provider.apiTokens[0]: expected ${spaced}, got ${hidden('')}`],
  ])('rejects %j without showing a token', (raw, message) => {
    const error = errorOf(raw);
    expect(error).toBe(message);
    expect(error).not.toContain(SECRET);
  });
});

describe('fnv1a', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect([fnv1a(''), fnv1a('a'), fnv1a('foobar')]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
  });
});

describe('TokenPicker', () => {
  const tokens = ['t0', 't1', 't2'];
  const picks = (picker: TokenPicker, consumers: Array<string | undefined>) => consumers.map((c) => picker.pick(c));

  it('hands out tokens round-robin in the configured order', () => {
    const picker = new TokenPicker(tokens, 'round-robin', false);
    expect(picks(picker, Array(7).fill(undefined))).toEqual(['t0', 't1', 't2', 't0', 't1', 't2', 't0']);
  });

  it('ignores the consumer without affinity', () => {
    const picker = new TokenPicker(tokens, 'round-robin', false);
    expect(picks(picker, ['alice', 'alice', 'alice'])).toEqual(['t0', 't1', 't2']);
  });

  it('always uses a single token, whatever the strategy (no random draw needed)', () => {
    for (const strategy of ['random', 'round-robin'] as const) {
      const picker = new TokenPicker(['only'], strategy, true);
      expect(picks(picker, [undefined, 'alice', undefined])).toEqual(['only', 'only', 'only']);
    }
  });

  it('keeps a consumer on one token, FNV-1a of its name modulo the count', () => {
    const picker = new TokenPicker(tokens, 'round-robin', true);
    for (const consumer of ['alice', 'bob', 'team-42', 'consumer-with-a-long-name']) {
      const expected = tokens[fnv1a(consumer) % 3];
      expect(picks(picker, [consumer, consumer, consumer, consumer])).toEqual(Array(4).fill(expected));
    }
    expect(picks(picker, ['a', 'b', 'c'])).toEqual([tokens[0xe40c292c % 3], tokens[fnv1a('b') % 3], tokens[fnv1a('c') % 3]]);
  });

  it('spreads consumers over the tokens with affinity', () => {
    const picker = new TokenPicker(tokens, 'random', true);
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const token = picker.pick(`consumer-${i}`);
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(tokens);
    for (const count of counts.values()) expect(count).toBeGreaterThan(70);
  });

  it('falls back to the strategy for requests without a consumer, without disturbing affinity', () => {
    const picker = new TokenPicker(tokens, 'round-robin', true);
    const alice = tokens[fnv1a('alice') % 3];
    expect(picks(picker, [undefined, 'alice', '', undefined, 'alice', undefined])).toEqual(['t0', alice, 't1', 't2', alice, 't0']);
  });
});
