/** OpenAI (`api.openai.com`): the client's paths unchanged under `/v1`, `Authorization: Bearer`. */
import type { ProviderSpec } from './types.ts';

const PATHS = { chat: '/v1/chat/completions', embeddings: '/v1/embeddings', models: '/v1/models' } as const;

export const openai: ProviderSpec = {
  type: 'openai',
  required: [],
  optional: [],
  host: (settings) => settings.providerDomain ?? 'api.openai.com',
  path: (api) => PATHS[api],
  authHeaders: (token) => [['authorization', `Bearer ${token}`]],
  extraHeaders: () => [],
  modelsFormat: 'openai',
};
