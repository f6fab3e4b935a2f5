/**
 * ConfigError messages (field path, the value described without secrets, expected form) and the typed readers:
 * defaults, optional and required fields, range and type checks, and nested paths.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  fieldPath,
  readBoolean,
  readNumber,
  readObject,
  readString,
  readStringArray,
} from './readers.ts';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('ConfigError', () => {
  it('names the field, the value as JSON and the expected form', () => {
    const error = new ConfigError('_rules_[1]._match_domain_[0]', 5, 'a non-empty string');
    expect(error.message).toBe('_rules_[1]._match_domain_[0]: expected a non-empty string, got 5');
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
    expect([error.field, error.value, error.expected]).toEqual(['_rules_[1]._match_domain_[0]', 5, 'a non-empty string']);
  });

  it('truncates the value to 80 characters', () => {
    const error = new ConfigError('provider.apiTokens', 'x'.repeat(200), 'an array of strings');
    const shown = '"' + 'x'.repeat(76) + '...';
    expect(shown).toHaveLength(80);
    expect(error.message).toBe(`provider.apiTokens: expected an array of strings, got ${shown}`);
  });

  it('shows a missing value as nothing and an unserializable one as text', () => {
    expect(new ConfigError('a', undefined, 'a string').message).toBe('a: expected a string, got nothing');
    expect(new ConfigError('a', 10n, 'a number').message).toBe('a: expected a number, got 10');
  });

  it.each([
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a fine-grained GitHub token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop'],
    ['an OpenAI key', 'sk-proj-abc123'],
    ['a bearer header', 'Bearer anything at all'],
    ['an Azure key (32 hex digits)', '0123456789abcdef0123456789ABCDEF'],
    ['a long mixed-case key', 'AbCdEfGh12345678IjKlMnOp'],
  ])('never shows %s, only its length', (_name, secret) => {
    const message = new ConfigError('provider.type', secret, 'a type').message;
    expect(message).toBe(`provider.type: expected a type, got a string of ${secret.length} characters (not shown)`);
  });

  it('shows ordinary strings, and describes arrays and objects by shape without their content', () => {
    expect(new ConfigError('a', 'gpt-4o-mini', 'x').message).toBe('a: expected x, got "gpt-4o-mini"');
    expect(new ConfigError('a', ['ghp_secret_in_array_0123456789'], 'x').message).toBe('a: expected x, got an array of 1 entry');
    expect(new ConfigError('a', [1, 2], 'x').message).toBe('a: expected x, got an array of 2 entries');
    expect(new ConfigError('a', {}, 'x').message).toBe('a: expected x, got an empty object');
    expect(new ConfigError('a', { type: 'github', apiTokens: ['ghp_x'] }, 'x').message).toBe('a: expected x, got an object with fields type, apiTokens');
    const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, i]));
    expect(new ConfigError('a', many, 'x').message).toBe('a: expected x, got an object with fields f0, f1, f2, f3, f4, f5, … (8 in all)');
    expect(new ConfigError('a', { ghp_abcdefghijklmnopqrstuvwxyz0123456789: 1 }, 'x').message).toBe('a: expected x, got an object with field <not shown>');
  });

  it('never shows a field name that looks like a credential in a path', () => {
    expect(fieldPath('provider', 'sk-abcdef')).toBe('provider.<a name that looks like a credential>');
    expect(fieldPath('', 'apiTokens')).toBe('apiTokens');
  });

  it('joins paths', () => {
    expect(fieldPath('', 'provider')).toBe('provider');
    expect(fieldPath('_rules_[0].provider', 'type')).toBe('_rules_[0].provider.type');
  });
});

describe('readers', () => {
  const json = { name: 'gpt', count: 3, ratio: 0.5, on: false, tags: ['a', 'b'], nested: { x: 1 }, nul: null };

  it('read present values', () => {
    expect(readString(json, 'name', '')).toBe('gpt');
    expect(readNumber(json, 'count', '', { integer: true, min: 1, max: 3 })).toBe(3);
    expect(readBoolean(json, 'on', '')).toBe(false);
    expect(readStringArray(json, 'tags', '')).toEqual(['a', 'b']);
    expect(readObject(json, 'nested', '')).toEqual({ x: 1 });
  });

  it('give the default, or undefined when optional, for an absent or null field', () => {
    expect(readString(json, 'missing', '', { default: 'd' })).toBe('d');
    expect(readNumber(json, 'nul', '', { default: 7 })).toBe(7);
    expect(readBoolean(json, 'missing', '', { default: true })).toBe(true);
    expect(readStringArray(json, 'missing', '', { optional: true })).toBeUndefined();
    expect(readObject(json, 'missing', '', { optional: true })).toBeUndefined();
    const typed: string | undefined = readString(json, 'missing', '', { optional: true });
    expect(typed).toBeUndefined();
  });

  it('reject a missing required field with its full path', () => {
    expect(errorOf(() => readString(json, 'model', '_rules_[2].provider')).message).toBe(
      '_rules_[2].provider.model: expected a string, got nothing',
    );
    expect(errorOf(() => readObject(json, 'nul', '')).message).toBe('nul: expected an object, got null');
  });

  it('reject wrong types', () => {
    expect(errorOf(() => readString(json, 'count', 'p')).message).toBe('p.count: expected a string, got 3');
    expect(errorOf(() => readNumber(json, 'name', '')).message).toBe('name: expected a number, got "gpt"');
    expect(errorOf(() => readBoolean(json, 'name', '')).message).toBe('name: expected true or false, got "gpt"');
    expect(errorOf(() => readObject(json, 'tags', '')).message).toBe('tags: expected an object, got an array of 2 entries');
    expect(errorOf(() => readStringArray(json, 'name', '')).message).toBe('name: expected an array of strings, got "gpt"');
  });

  it('check string choices and emptiness', () => {
    expect(readString(json, 'name', '', { oneOf: ['gpt', 'claude'] })).toBe('gpt');
    expect(errorOf(() => readString(json, 'name', 'provider', { oneOf: ['openai', 'github'] })).message).toBe(
      'provider.name: expected one of "openai", "github", got "gpt"',
    );
    expect(errorOf(() => readString({ s: '' }, 's', '', { nonEmpty: true })).message).toBe('s: expected a non-empty string, got ""');
  });

  it('check number ranges and integers', () => {
    expect(errorOf(() => readNumber(json, 'ratio', '', { integer: true })).message).toBe('ratio: expected an integer, got 0.5');
    expect(errorOf(() => readNumber(json, 'count', '', { min: 4, max: 9 })).message).toBe('count: expected a number from 4 to 9, got 3');
    expect(errorOf(() => readNumber(json, 'count', '', { min: 4 })).message).toBe('count: expected a number >= 4, got 3');
    expect(errorOf(() => readNumber(json, 'count', '', { integer: true, max: 2 })).message).toBe(
      'count: expected an integer <= 2, got 3',
    );
    expect(readNumber({ n: 0 }, 'n', '', { min: 0, max: 0 })).toBe(0);
  });

  it('report a wrong array entry at its index', () => {
    expect(errorOf(() => readStringArray({ t: ['a', 2] }, 't', 'cfg')).message).toBe('cfg.t[1]: expected a string, got 2');
    expect(errorOf(() => readStringArray({ t: [] }, 't', '', { nonEmpty: true })).message).toBe(
      't: expected a non-empty array of strings, got an empty array',
    );
    expect(readStringArray({ t: [] }, 't', '')).toEqual([]);
  });
});
