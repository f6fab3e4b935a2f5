/**
 * GitHub Models (`models.github.ai`): `/inference/…` or the org-attributed `/orgs/{org}/inference/…`,
 * the catalog at `/catalog/models`, `Authorization: Bearer`, `Accept: application/vnd.github+json` and
 * `X-GitHub-Api-Version`. The service was retired on 2026-07-30; its 410 becomes an explicit error.
 */
import type { ProviderSpec } from './types.ts';

export const github: ProviderSpec = {
  type: 'github',
  required: [],
  optional: ['githubOrg', 'apiVersion'],
  defaultApiVersion: '2022-11-28',
  host: (settings) => settings.providerDomain ?? 'models.github.ai',
  path(api, settings) {
    const base = settings.githubOrg ? `/orgs/${encodeURIComponent(settings.githubOrg)}/inference` : '/inference';
    if (api === 'chat') return `${base}/chat/completions`;
    if (api === 'embeddings') return `${base}/embeddings`;
    if (api === 'models') return '/catalog/models';
    return undefined;
  },
  unknownApis: 'reject',
  authHeaders: (token) => [['authorization', `Bearer ${token}`]],
  extraHeaders: (settings) => [
    ['accept', 'application/vnd.github+json'],
    ['x-github-api-version', settings.apiVersion ?? '2022-11-28'],
  ],
  modelsFormat: 'github-catalog',
  retired: {
    status: 410,
    message:
      'GitHub Models was retired on 2026-07-30 and no longer serves requests; configure the provider type "openai", "azure-ai-foundry" or "openai-compatible" instead',
  },
};
