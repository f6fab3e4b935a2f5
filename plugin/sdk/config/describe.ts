/**
 * How a configuration error shows the value it rejects without echoing configuration text: scalars as
 * JSON (strings of at most 80 characters that do not look like a credential), arrays and objects by
 * their shape (entry count, field names), and anything that could be a secret by its length only.
 */

const MAX_VALUE_CHARS = 80;
const MAX_FIELDS_SHOWN = 6;
const CREDENTIAL_PREFIX = /^(?:bearer|basic)\s|^(?:gh[opusr]_|github_pat_|glpat-|sk-|sk_|xox[abprs]-|AKIA|ASIA|AIza|eyJ)/i;

/** Whether a string could be a secret: a known credential prefix, or a long mixed-case/hex key. */
export function looksLikeCredential(text: string): boolean {
  if (CREDENTIAL_PREFIX.test(text)) return true;
  if (text.length < 20 || !/^[A-Za-z0-9_+=\-]+$/.test(text) || !/\d/.test(text)) return false;
  return (/[a-z]/.test(text) && /[A-Z]/.test(text)) || /^[0-9a-f]{32,}$/i.test(text);
}

/** A value's description chosen by the caller (e.g. "a string of 12 characters (not shown)"), shown as is. */
export class Described {
  constructor(readonly text: string) {}
}

/** What an error may show of a value that could hold a secret: its kind, never its text. */
export function kindOnly(value: unknown): Described {
  if (typeof value === 'string') return new Described(`a string of ${value.length} characters (not shown)`);
  return new Described(describeValue(value));
}

function fieldNames(obj: object): string {
  const keys = Object.keys(obj);
  if (keys.length === 0) return 'an empty object';
  const shown = keys.slice(0, MAX_FIELDS_SHOWN).map((key) => (key === '' ? '""' : looksLikeCredential(key) || key.length > MAX_VALUE_CHARS ? '<not shown>' : key));
  const more = keys.length > MAX_FIELDS_SHOWN ? `, … (${keys.length} in all)` : '';
  return `an object with field${keys.length === 1 ? '' : 's'} ${shown.join(', ')}${more}`;
}

export function describeValue(value: unknown): string {
  if (value instanceof Described) return value.text;
  if (value === undefined) return 'nothing';
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') {
    if (looksLikeCredential(value)) return `a string of ${value.length} characters (not shown)`;
    const text = JSON.stringify(value);
    return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length} entr${value.length === 1 ? 'y' : 'ies'}`;
  if (typeof value === 'object') return fieldNames(value);
  return `a ${typeof value}`;
}
