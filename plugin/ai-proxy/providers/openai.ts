/** OpenAI (`api.openai.com`): every API of the table at its own path under `/v1`, `Authorization: Bearer`; other paths pass through. */
import { API_BY_NAME } from '../apis/api-table.ts';
import type { ProviderSpec } from './types.ts';

export const openai: ProviderSpec = {
  type: 'openai',
  required: [],
  optional: [],
  host: (settings) => settings.providerDomain ?? 'api.openai.com',
  path: (api) => `/v1${API_BY_NAME.get(api)!.path}`,
  unknownApis: 'passthrough',
  authHeaders: (token) => [['authorization', `Bearer ${token}`]],
  extraHeaders: () => [],
  modelsFormat: 'openai',
};
