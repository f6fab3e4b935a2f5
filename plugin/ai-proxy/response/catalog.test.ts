/**
 * catalogToOpenAiList on a GitHub Models catalog: every item becomes an OpenAI model entry in order,
 * owned by its publisher; aliases are appended only for existing targets and new names; anything that is
 * not an array of objects with string ids yields undefined so the caller relays the original.
 */
import { describe, expect, it } from 'vitest';
import { catalogToOpenAiList } from './catalog.ts';

const item = (id: string, publisher: string) => ({
  id,
  name: id.split('/')[1],
  publisher,
  registry: 'azure-openai',
  summary: 'A model.',
  html_url: `https://github.com/marketplace/models/${id}`,
  version: '2025-04-14',
  capabilities: ['streaming', 'tool-calling'],
  limits: { max_input_tokens: 1048576, max_output_tokens: 32768 },
  rate_limit_tier: 'high',
  supported_input_modalities: ['text', 'image'],
  supported_output_modalities: ['text'],
  tags: ['multipurpose'],
});
const CATALOG = JSON.stringify([item('openai/gpt-4.1', 'OpenAI'), item('meta/llama-4-scout-17b-16e-instruct', 'Meta'), item('openai/gpt-4.1-mini', 'OpenAI')]);
const model = (id: string, owned_by: string) => ({ id, object: 'model', created: 0, owned_by });

describe('catalogToOpenAiList', () => {
  it('converts every catalog item to an OpenAI model entry, in order', () => {
    const text = catalogToOpenAiList(CATALOG);
    expect(text).toBe(
      '{"object":"list","data":[{"id":"openai/gpt-4.1","object":"model","created":0,"owned_by":"OpenAI"},' +
        '{"id":"meta/llama-4-scout-17b-16e-instruct","object":"model","created":0,"owned_by":"Meta"},' +
        '{"id":"openai/gpt-4.1-mini","object":"model","created":0,"owned_by":"OpenAI"}]}',
    );
  });

  it('converts an empty catalog to an empty list', () => {
    expect(catalogToOpenAiList(' [ ] ')).toBe('{"object":"list","data":[]}');
  });

  it('falls back to the id prefix, then "unknown", when the publisher is missing', () => {
    const list = JSON.parse(catalogToOpenAiList(JSON.stringify([{ id: 'mistral-ai/codestral-2501' }, { id: 'solo', publisher: 7 }]))!);
    expect(list.data).toEqual([model('mistral-ai/codestral-2501', 'mistral-ai'), model('solo', 'unknown')]);
  });

  it('appends aliases whose target exists, owned by the target publisher', () => {
    const aliases = { 'gpt-4.1': 'openai/gpt-4.1', llama: 'meta/llama-4-scout-17b-16e-instruct', gone: 'openai/gpt-3', '': 'openai/gpt-4.1' };
    const list = JSON.parse(catalogToOpenAiList(CATALOG, aliases)!);
    expect(list.object).toBe('list');
    expect(list.data.slice(3)).toEqual([model('gpt-4.1', 'OpenAI'), model('llama', 'Meta')]);
    expect(list.data).toHaveLength(5);
  });

  it('does not list an alias twice or shadow a catalog id', () => {
    const list = JSON.parse(catalogToOpenAiList(CATALOG, { 'openai/gpt-4.1-mini': 'openai/gpt-4.1', mini: 'openai/gpt-4.1-mini' })!);
    expect(list.data.map((entry: { id: string }) => entry.id)).toEqual(['openai/gpt-4.1', 'meta/llama-4-scout-17b-16e-instruct', 'openai/gpt-4.1-mini', 'mini']);
    expect(list.data[2]).toEqual(model('openai/gpt-4.1-mini', 'OpenAI'));
  });

  it('gives the same list with empty or absent aliases', () => {
    expect(catalogToOpenAiList(CATALOG, {})).toBe(catalogToOpenAiList(CATALOG));
  });

  it.each([
    ['not JSON', '<html>'],
    ['empty body', ''],
    ['an object', '{"object":"list","data":[]}'],
    ['an error body', '{"error":{"code":"unauthorized","message":"The `models` permission is required"}}'],
    ['a string', '"openai/gpt-4.1"'],
    ['null', 'null'],
    ['an array of strings', '["openai/gpt-4.1"]'],
    ['an item without id', '[{"id":"openai/gpt-4.1","publisher":"OpenAI"},{"name":"x"}]'],
    ['an item with an empty id', '[{"id":""}]'],
    ['an item with a numeric id', '[{"id":4}]'],
    ['a null item', '[null]'],
    ['a nested array', '[[{"id":"a/b"}]]'],
  ])('answers undefined for %s', (_name, body) => {
    expect(catalogToOpenAiList(body)).toBeUndefined();
  });
});
