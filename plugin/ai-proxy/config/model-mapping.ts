/**
 * `modelMapping`, compatible with Higress ai-proxy and made deterministic: an exact key wins; otherwise
 * the `prefix*` and `~regex` keys are tried in the order they are written in the configuration; then `*`.
 * A regex rewrites the name as Go's ReplaceAllString does (`$1`… refer to capture groups); an empty target
 * keeps the requested name.
 */
import { ConfigError, fieldPath, isJsonObject } from '../../sdk/config/index.ts';

type Rule = { kind: 'prefix'; prefix: string; target: string } | { kind: 'regex'; pattern: RegExp; target: string };

export interface ModelMapping {
  /** The upstream model for `requested`; the requested name itself when nothing maps it. */
  map(requested: string): string;
  readonly aliases: ReadonlyMap<string, string>;
  /** The `*` target, which also names the model for a request that gives none (as in Higress); undefined when none or "". */
  readonly fallback?: string;
  /** Whether any name maps to another (false for no `modelMapping` or one that keeps every name). */
  readonly maps: boolean;
}

export function compileModelMapping(raw: unknown, path: string): ModelMapping {
  const at = fieldPath(path, 'modelMapping');
  if (raw === undefined || raw === null) return { map: (m) => m, aliases: new Map(), fallback: undefined, maps: false };
  if (!isJsonObject(raw)) throw new ConfigError(at, raw, 'an object from model name (exact, "prefix*", "~regex" or "*") to target model');
  const exact = new Map<string, string>();
  const ordered: Rule[] = [];
  let fallback: string | undefined;
  for (const [key, target] of Object.entries(raw)) {
    if (typeof target !== 'string') throw new ConfigError(fieldPath(at, key), target, 'a target model name (a string; "" keeps the requested name)');
    if (key === '*') fallback = target;
    else if (key.startsWith('~')) ordered.push({ kind: 'regex', pattern: compileRegex(key.slice(1), fieldPath(at, key)), target });
    else if (key.endsWith('*') && key.length > 1) ordered.push({ kind: 'prefix', prefix: key.slice(0, -1), target });
    else if (key === '') throw new ConfigError(`${at}`, raw, 'no empty model name as a key');
    else exact.set(key, target);
  }
  const keep = (requested: string, target: string) => (target === '' ? requested : target);
  return {
    aliases: exact,
    fallback: fallback || undefined,
    maps: Boolean(fallback) || ordered.some((rule) => rule.target !== '') || [...exact.values()].some((target) => target !== ''),
    map(requested: string): string {
      const direct = exact.get(requested);
      if (direct !== undefined) return keep(requested, direct);
      for (const rule of ordered) {
        if (rule.kind === 'prefix' && requested.startsWith(rule.prefix)) return keep(requested, rule.target);
        if (rule.kind === 'regex') {
          rule.pattern.lastIndex = 0;
          if (rule.pattern.test(requested)) {
            rule.pattern.lastIndex = 0;
            return keep(requested, requested.replace(rule.pattern, rule.target));
          }
        }
      }
      return fallback === undefined ? requested : keep(requested, fallback);
    },
  };
}

function compileRegex(source: string, at: string): RegExp {
  try {
    return new RegExp(source, 'g');
  } catch (error) {
    throw new ConfigError(at, source, `a valid regular expression after "~" (${(error as Error).message})`);
  }
}
