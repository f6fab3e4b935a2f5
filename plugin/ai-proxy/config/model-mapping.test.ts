/**
 * `modelMapping` order and rewriting: exact keys first, then `prefix*` and `~regex` keys in the order
 * written (so overlapping entries are tested in both orders), then `*`; an empty target keeps the name;
 * regexes substitute `$1`… and, being unanchored, rewrite every match inside the name (Go's
 * ReplaceAllString, as Higress). Also the configuration errors with their exact messages.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../sdk/config/index.ts';
import { compileModelMapping } from './model-mapping.ts';

const mapping = (raw: Record<string, string>) => compileModelMapping(raw, 'provider');
const mapAll = (raw: Record<string, string>, names: string[]) => names.map((name) => mapping(raw).map(name));

function errorOf(raw: unknown): string {
  try {
    compileModelMapping(raw, 'providers[1]');
  } catch (error) {
    return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`;
  }
  return 'no error';
}

describe('order of the keys', () => {
  it('prefers an exact key over prefix and regex keys wherever it is written', () => {
    const exactLast = { 'gpt-*': 'prefix', '~^gpt-4.*$': 'regex', '*': 'fallback', 'gpt-4o': 'exact' };
    const exactFirst = { 'gpt-4o': 'exact', '~^gpt-4.*$': 'regex', 'gpt-*': 'prefix' };
    expect(mapAll(exactLast, ['gpt-4o', 'gpt-4o-mini', 'gpt-3.5', 'phi'])).toEqual(['exact', 'prefix', 'prefix', 'fallback']);
    expect(mapAll(exactFirst, ['gpt-4o', 'gpt-4o-mini', 'gpt-3.5'])).toEqual(['exact', 'regex', 'prefix']);
  });

  it('tries overlapping prefixes in written order, not by length', () => {
    expect(mapAll({ 'gpt-*': 'short', 'gpt-4*': 'long' }, ['gpt-4o', 'gpt-3'])).toEqual(['short', 'short']);
    expect(mapAll({ 'gpt-4*': 'long', 'gpt-*': 'short' }, ['gpt-4o', 'gpt-3'])).toEqual(['long', 'short']);
  });

  it('tries a prefix and an overlapping regex in written order', () => {
    expect(mapAll({ 'gpt-*': 'prefix', '~^gpt-4.*$': 'regex' }, ['gpt-4o', 'gpt-3'])).toEqual(['prefix', 'prefix']);
    expect(mapAll({ '~^gpt-4.*$': 'regex', 'gpt-*': 'prefix' }, ['gpt-4o', 'gpt-3'])).toEqual(['regex', 'prefix']);
  });

  it('tries two overlapping regexes in written order', () => {
    expect(mapAll({ '~^gpt-(.*)$': 'a-$1', '~^gpt-4(.*)$': 'b-$1' }, ['gpt-4o'])).toEqual(['a-4o']);
    expect(mapAll({ '~^gpt-4(.*)$': 'b-$1', '~^gpt-(.*)$': 'a-$1' }, ['gpt-4o'])).toEqual(['b-o']);
  });

  it('uses "*" only when nothing else matches, even when written first', () => {
    const raw = { '*': 'openai/gpt-4.1-mini', 'claude-*': 'anthropic/claude', 'gpt-4': 'openai/gpt-4.1' };
    expect(mapAll(raw, ['gpt-4', 'claude-3', 'llama', ''])).toEqual(['openai/gpt-4.1', 'anthropic/claude', 'openai/gpt-4.1-mini', 'openai/gpt-4.1-mini']);
  });

  it('keeps unmatched names without "*", and maps nothing without a mapping', () => {
    expect(mapAll({ 'gpt-4': 'x', 'gpt-*': 'y' }, ['GPT-4', 'o1', 'gpt'])).toEqual(['GPT-4', 'o1', 'gpt']);
    for (const raw of [undefined, null]) expect(compileModelMapping(raw, 'provider').map('gpt-4')).toBe('gpt-4');
    expect(mapping({}).map('gpt-4')).toBe('gpt-4');
  });

  it('treats a lone "*" as the fallback and "a*" as a prefix that also matches "a" itself', () => {
    expect(mapAll({ 'a*': 'prefix' }, ['a', 'ab', 'ba'])).toEqual(['prefix', 'prefix', 'ba']);
  });
});

describe('targets', () => {
  it('keeps the requested name for an empty target of any kind', () => {
    const raw = { 'gpt-4': '', 'gpt-*': '', '~^phi-(.*)$': '', '*': '' };
    expect(mapAll(raw, ['gpt-4', 'gpt-3', 'phi-4', 'llama'])).toEqual(['gpt-4', 'gpt-3', 'phi-4', 'llama']);
    expect(mapAll({ 'gpt-4': '', '*': 'fallback' }, ['gpt-4', 'gpt-3'])).toEqual(['gpt-4', 'fallback']);
  });

  it('substitutes capture groups into a regex target', () => {
    expect(mapAll({ '~^gpt-(.*)$': 'openai/gpt-$1' }, ['gpt-4o', 'gpt-4.1-mini', 'o1'])).toEqual(['openai/gpt-4o', 'openai/gpt-4.1-mini', 'o1']);
    expect(mapping({ '~^([a-z]+)-(\\d+)$': '$2/$1' }).map('phi-4')).toBe('4/phi');
    expect(mapping({ '~^(?<family>gpt)-(.*)$': 'openai/$<family>-$2' }).map('gpt-4o')).toBe('openai/gpt-4o');
  });

  it('replaces only the matched part of an unanchored regex, every occurrence of it', () => {
    const raw = { '~gpt': 'GPT' };
    expect(mapAll(raw, ['gpt-4o', 'openai/gpt-4o', 'gpt-4-gpt', 'phi'])).toEqual(['GPT-4o', 'openai/GPT-4o', 'GPT-4-GPT', 'phi']);
    expect(mapping({ '~4': 'openai/gpt-4.1' }).map('gpt-4o')).toBe('gpt-openai/gpt-4.1o');
  });

  it('gives the same answer on every call (no regex state kept between requests)', () => {
    const m = mapping({ '~^gpt-(.*)$': 'openai/gpt-$1', '~o$': 'O' });
    const names = ['gpt-4o', 'gpt-4o', 'phi-o', 'phi-o', 'gpt-3', 'gpt-3'];
    expect(names.map((name) => m.map(name))).toEqual(['openai/gpt-4o', 'openai/gpt-4o', 'phi-O', 'phi-O', 'openai/gpt-3', 'openai/gpt-3']);
  });

  it('exposes only exact keys as aliases', () => {
    const m = mapping({ 'gpt-4': 'openai/gpt-4.1', 'gpt-*': 'x', '~^a': 'b', '*': 'c', keep: '' });
    expect([...m.aliases]).toEqual([['gpt-4', 'openai/gpt-4.1'], ['keep', '']]);
  });
});

describe('configuration errors', () => {
  const expected = 'an object from model name (exact, "prefix*", "~regex" or "*") to target model';
  it.each([
    [['gpt-4'], `providers[1].modelMapping: expected ${expected}, got an array of 1 entry`],
    ['gpt-4=x', `providers[1].modelMapping: expected ${expected}, got "gpt-4=x"`],
    [7, `providers[1].modelMapping: expected ${expected}, got 7`],
    [{ 'gpt-4': 5 }, 'providers[1].modelMapping.gpt-4: expected a target model name (a string; "" keeps the requested name), got 5'],
    [{ 'gpt-*': null }, 'providers[1].modelMapping.gpt-*: expected a target model name (a string; "" keeps the requested name), got null'],
    [{ '~^gpt-(': 'x' }, /^providers\[1\]\.modelMapping\.~\^gpt-\(: expected a valid regular expression after "~" \(.+\), got "\^gpt-\("$/],
    [{ '~[z-a]': 'x' }, /^providers\[1\]\.modelMapping\.~\[z-a\]: expected a valid regular expression after "~" \(.+\), got "\[z-a\]"$/],
    [{ '': 'x' }, 'providers[1].modelMapping: expected no empty model name as a key, got an object with field ""'],
  ])('rejects %j', (raw, message) => {
    if (typeof message === 'string') expect(errorOf(raw)).toBe(message);
    else expect(errorOf(raw)).toMatch(message);
  });
});
