/**
 * Higress `ai-proxy` provider fields this plugin does not implement. Each is refused by name, unless it
 * holds a value with which Higress does nothing either (`reasoningContentMode: "passthrough"`, `mergeConsecutiveMessages: false`, …): such a field is
 * accepted with a warning, so a configuration pasted from Higress keeps working with the same effect.
 * `logUpstreamErrorResponseBody` only changes Envoy's log, so any boolean is accepted with a warning.
 */
import { ConfigError, fieldPath, kindOnly } from '../../sdk/config/index.ts';

const isFalse = (v: unknown) => v === false;
const isEmpty = (v: unknown) => v === '' || (Array.isArray(v) && v.length === 0);

/** Higress fields not implemented here, with the values Higress itself treats as "do nothing". */
const INERT: Record<string, (value: unknown) => boolean> = {
  context: (v) => v === null,
  customSettings: isEmpty,
  reasoningContentMode: (v) => typeof v === 'string' && v !== 'ignore' && v !== 'concat',
  basePath: isEmpty,
  basePathHandling: (v) => typeof v === 'string',
  subPath: isEmpty,
  openaiCustomUrl: isEmpty,
  promoteThinkingOnEmpty: isFalse,
  mergeConsecutiveMessages: isFalse,
  contextCleanupCommands: isEmpty,
  hiclawMode: isFalse,
  claudeCodeMode: isFalse,
  logUpstreamErrorResponseBody: (v) => typeof v === 'boolean',
};

export const HIGRESS_UNSUPPORTED: readonly string[] = Object.keys(INERT);

/**
 * Checks a provider object's field names against `known`: unknown fields and Higress fields with an
 * effect this plugin lacks throw; inert Higress fields yield one warning each (field names only).
 */
export function checkProviderFields(json: Record<string, unknown>, path: string, known: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (known.has(key)) continue;
    const at = fieldPath(path, key);
    const inert = Object.hasOwn(INERT, key) ? INERT[key] : undefined;
    if (inert?.(value)) {
      warnings.push(`${at} is not implemented by this plugin and is ignored: its value has no effect in Higress either`);
      continue;
    }
    if (inert) throw new ConfigError(at, kindOnly(value), 'nothing: this Higress ai-proxy field is not supported by this plugin (only its no-op values are accepted)');
    throw new ConfigError(at, kindOnly(value), `a known provider field (${[...known].join(', ')})`);
  }
  return warnings;
}
