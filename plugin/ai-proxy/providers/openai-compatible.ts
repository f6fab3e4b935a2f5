/**
 * Any OpenAI-compatible server: `providerDomain` is its host, and the paths are OpenAI's own (every API
 * of the table under `/v1`), which `providerBasePath` prefixes and `capabilities` replace as on every
 * type; `Authorization: Bearer`; other paths pass through.
 */
import { openai } from './openai.ts';
import type { ProviderSpec } from './types.ts';

export const openaiCompatible: ProviderSpec = {
  ...openai,
  type: 'openai-compatible',
  required: ['providerDomain'],
  host: (settings) => settings.providerDomain!,
};
