/**
 * GitHub Models' `GET /catalog/models` answers a JSON array of catalog items (`id` like `openai/gpt-4.1`,
 * `publisher`, `name`, `limits`, …); OpenAI clients expect `GET /v1/models` to answer
 * `{"object":"list","data":[{id, object:"model", created, owned_by}]}`. `catalogToOpenAiList` converts
 * the one into the other, in catalog order, with `created: 0` (the catalog has no dates) and `owned_by`
 * the item's publisher (else the id's part before `/`, else `unknown`). It answers undefined unless the
 * body is a JSON array (nested at most `MAX_JSON_DEPTH` levels) whose every item is an object with a
 * non-empty string `id`; the caller then relays the original body. Aliases (client-facing name →
 * upstream id) are appended after the catalog entries, owned by the target's publisher, when the target
 * is in the catalog and the alias name is not already listed.
 */
import { parseJson } from '../../sdk/json.ts';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export function catalogToOpenAiList(body: string | Uint8Array, aliases?: Record<string, string>): string | undefined {
  const result = parseJson(body);
  if (!result.ok || !Array.isArray(result.value)) return undefined;
  const parsed: unknown[] = result.value;
  const data: ModelEntry[] = [];
  const owners = new Map<string, string>();
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const { id, publisher } = item as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') return undefined;
    const owner = ownerOf(id, publisher);
    if (!owners.has(id)) owners.set(id, owner);
    data.push(entry(id, owner));
  }
  if (aliases !== undefined) {
    const listed = new Set(owners.keys());
    for (const [alias, target] of Object.entries(aliases)) {
      const owner = typeof target === 'string' ? owners.get(target) : undefined;
      if (owner === undefined || alias === '' || listed.has(alias)) continue;
      listed.add(alias);
      data.push(entry(alias, owner));
    }
  }
  return JSON.stringify({ object: 'list', data });
}

function ownerOf(id: string, publisher: unknown): string {
  if (typeof publisher === 'string' && publisher !== '') return publisher;
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : 'unknown';
}

function entry(id: string, owner: string): ModelEntry {
  return { id, object: 'model', created: 0, owned_by: owner };
}
