/**
 * Any OpenAI-compatible server: `providerDomain` is its host, `providerBasePath` (default `/v1`) the prefix
 * of `/chat/completions`, `/embeddings` and `/models`; `Authorization: Bearer`.
 */
import type { ProviderSpec } from './types.ts';

const SUFFIX = { chat: '/chat/completions', embeddings: '/embeddings', models: '/models' } as const;

export const openaiCompatible: ProviderSpec = {
  type: 'openai-compatible',
  required: ['providerDomain'],
  optional: ['providerBasePath'],
  host: (settings) => settings.providerDomain!,
  path: (api, settings) => `${(settings.providerBasePath ?? '/v1').replace(/\/+$/, '')}${SUFFIX[api]}`,
  authHeaders: (token) => [['authorization', `Bearer ${token}`]],
  extraHeaders: () => [],
  modelsFormat: 'openai',
};
