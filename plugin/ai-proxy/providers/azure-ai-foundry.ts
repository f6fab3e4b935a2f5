/**
 * Azure AI Foundry Models (GitHub's named successor): `https://<resource>.services.ai.azure.com/models/…`
 * with `?api-version=`, authenticated with the `api-key` header. `providerDomain` names the resource host.
 */
import type { ProviderSpec } from './types.ts';

export const azureAiFoundry: ProviderSpec = {
  type: 'azure-ai-foundry',
  required: ['providerDomain'],
  optional: ['apiVersion'],
  defaultApiVersion: '2024-05-01-preview',
  host: (settings) => settings.providerDomain!,
  path(api, settings) {
    const version = `api-version=${encodeURIComponent(settings.apiVersion ?? '2024-05-01-preview')}`;
    if (api === 'chat') return `/models/chat/completions?${version}`;
    if (api === 'embeddings') return `/models/embeddings?${version}`;
    return undefined;
  },
  unknownApis: 'reject',
  authHeaders: (token) => [['api-key', token]],
  extraHeaders: () => [],
  modelsFormat: 'openai',
};
