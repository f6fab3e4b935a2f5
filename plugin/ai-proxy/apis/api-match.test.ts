/**
 * Which API a path and method name: every row of the table is found by its own path (any prefix, ids
 * of any safe text, trailing slashes) for each method it serves; an id segment never makes a path
 * known for another method; random paths and hostile methods never throw or reach a row they do not end in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../test-support/hostile.ts';
import { APIS } from './api-table.ts';
import { parseClientPath, route } from './api-match.ts';

const segment = fc.string({ unit: fc.constantFrom(...'abz09-_.%~'.split('')), minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..' && !/^(\.|%2e)+$/i.test(s));
const prefix = fc.constantFrom('', '/openai', '/v1', '/api/v1');

describe('API routing', () => {
  it('finds every row by its own path, with its ids, for each method it serves', () => {
    fc.assert(
      fc.property(fc.constantFrom(...APIS), prefix, fc.array(segment, { minLength: 3, maxLength: 3 }), fc.constantFrom('', '/', '?a=1', '/?b=%20'), (spec, before, ids, tail) => {
        let k = 0;
        const path = `${before}/v1/${spec.segments.map((s) => (s.startsWith('{') ? ids[k++] : s)).join('/')}${tail}`;
        for (const method of Object.keys(spec.methods)) {
          const routed = route(parseClientPath(path), method);
          expect(routed).toMatchObject({ kind: 'api', spec: { name: spec.name }, ids: ids.slice(0, spec.ids.length) });
        }
      }),
      runs(300),
    );
  });

  it('an id segment never names an API for a method it does not serve; a literal path with another method is a wrong method', () => {
    expect(route(parseClientPath('/v1/responses/compact'), 'POST')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/responses/input_tokens'), 'POST')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/batches/b1'), 'DELETE')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/responses'), 'GET')).toMatchObject({ kind: 'wrong-method', spec: { name: 'responses' } });
    expect(route(parseClientPath('/v1/files/batches'), 'GET')).toMatchObject({ kind: 'api', spec: { name: 'file' }, ids: ['batches'] });
    expect(route(parseClientPath('/v1/chat/completions'), 'POST')).toMatchObject({ kind: 'api', spec: { name: 'chat' } });
    expect(route(parseClientPath('/v1/files/..'), 'GET')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/files/a%2Fb'), 'GET')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/vector_stores/vs_1/files/file-1'), 'DELETE')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/vector_stores/vs_1/files'), 'GET')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/v1/containers/c1/files/f1/content'), 'GET')).toEqual({ kind: 'unknown' });
    expect(route(parseClientPath('/openai/v1/files/f1/content'), 'GET')).toMatchObject({ kind: 'api', spec: { name: 'file.content' } });
    expect(route(parseClientPath('/files'), 'GET')).toMatchObject({ kind: 'api', spec: { name: 'files' } });
    expect(route(parseClientPath('/openai/deployments/gpt-4o/chat/completions'), 'POST')).toMatchObject({ kind: 'api', spec: { name: 'chat' } });
    expect(route(parseClientPath('/v1/files/%2E%2e/content'), 'GET')).toEqual({ kind: 'unknown' });
  });

  it('random paths and methods never throw, and a match always ends in its row\'s literal segments', () => {
    const words = fc.constantFrom('v1', 'chat', 'completions', 'responses', 'files', 'content', 'models', 'batches', 'cancel', 'audio', '', '..', '%2e');
    const method = fc.oneof(fc.constantFrom('GET', 'POST', 'DELETE', 'constructor', '__proto__', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(fc.oneof(words, segment), { maxLength: 8 }), method, fc.string({ maxLength: 6 }), (segments, m, query) => {
        const path = `/${segments.join('/')}?${query}`;
        const routed = route(parseClientPath(path), m);
        if (routed.kind !== 'api') return;
        expect(Object.hasOwn(routed.spec.methods, m)).toBe(true);
        const trimmed = [...segments];
        while (trimmed.length > 0 && trimmed.at(-1) === '') trimmed.pop();
        const tail = trimmed.slice(trimmed.length - routed.spec.segments.length);
        routed.spec.segments.forEach((s, i) => {
          if (!s.startsWith('{')) expect(tail[i]).toBe(s);
        });
      }),
      runs(3000),
    );
  });
});
