/**
 * Any OpenAI-compatible server: `providerDomain` is its host, and the paths are OpenAI's own
 * (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`), which `providerBasePath` prefixes and
 * `capabilities` replace as on every type; `Authorization: Bearer`.
 */
import type { ProviderSpec } from './types.ts';

const PATHS = { chat: '/v1/chat/completions', embeddings: '/v1/embeddings', models: '/v1/models' } as const;

export const openaiCompatible: ProviderSpec = {
  type: 'openai-compatible',
  required: ['providerDomain'],
  optional: [],
  host: (settings) => settings.providerDomain!,
  path: (api) => PATHS[api],
  authHeaders: (token) => [['authorization', `Bearer ${token}`]],
  extraHeaders: () => [],
  modelsFormat: 'openai',
};
