/** Provider types by name, as written in the configuration's `type` field. */
import { azureAiFoundry } from './azure-ai-foundry.ts';
import { github } from './github.ts';
import { openai } from './openai.ts';
import { openaiCompatible } from './openai-compatible.ts';
import type { ProviderSpec } from './types.ts';

export const PROVIDERS: ReadonlyMap<string, ProviderSpec> = new Map(
  [github, openai, azureAiFoundry, openaiCompatible].map((spec) => [spec.type, spec]),
);
