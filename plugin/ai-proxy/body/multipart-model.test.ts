/**
 * The multipart model-field reader against random forms: on the whole body it finds exactly the
 * reference's model (the first `model` field before any file part, UTF-8), at its exact byte span; on
 * any shorter start it answers `more` or that same field; on random bytes it never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../test-support/hostile.ts';
import { findModelField } from './multipart-model.ts';
import { randomForm, referenceModel } from '../test-support/random-forms.ts';
import { multipartBody } from '../test-support/multipart.ts';

describe('findModelField', () => {
  it('finds the reference model at its byte span in the whole body', () => {
    fc.assert(
      fc.property(randomForm, ({ boundary, parts, body }) => {
        const found = findModelField(new Uint8Array(body), boundary, true);
        const want = referenceModel(parts);
        if (want === undefined) {
          expect(found.kind).toBe('none');
          return;
        }
        expect(found).toMatchObject({ kind: 'model', model: want });
        if (found.kind === 'model') expect(Buffer.from(body.subarray(found.valueStart, found.valueEnd)).toString('utf8')).toBe(want);
      }),
      runs(1500),
    );
  });

  it('on a shorter start answers more, or the same field', () => {
    fc.assert(
      fc.property(randomForm.chain((form) => fc.nat({ max: form.body.length }).map((cut) => ({ ...form, cut }))), ({ boundary, body, cut }) => {
        const whole = findModelField(new Uint8Array(body), boundary, true);
        const start = findModelField(new Uint8Array(body.subarray(0, cut)), boundary, false);
        if (start.kind === 'more') return;
        expect(start).toEqual(whole);
      }),
      runs(1500),
    );
  });

  it('never throws on random bytes and answers none for them when final', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, final) => {
        const found = findModelField(bytes, 'b', final);
        expect(['model', 'more', 'none']).toContain(found.kind);
        if (final) expect(found.kind).not.toBe('more');
      }),
      runs(300),
    );
  });

  it('takes only real delimiters (CRLF before, spaces and CRLF or -- after) and refuses two model fields', () => {
    const longer = Buffer.from('--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx\r\n--bX\r\nContent-Disposition: form-data; name="model"\r\n\r\nfake\r\n--b \t\r\nContent-Disposition: form-data; name="model"\r\n\r\nreal\r\n--b--');
    expect(findModelField(new Uint8Array(longer), 'b', true)).toMatchObject({ kind: 'model', model: 'real' });
    const twice = multipartBody([{ name: 'model', value: 'a' }, { name: 'model', value: 'b' }, { name: 'file', value: 'x', filename: 'f' }], 'b');
    expect(findModelField(new Uint8Array(twice), 'b', true)).toEqual({ kind: 'none', reason: 'the body has more than one model field' });
    const inLine = Buffer.from('x--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nm\r\n--b--');
    expect(findModelField(new Uint8Array(inLine), 'b', true).kind).toBe('none');
  });

  it('reads quoted names, empty parts, and stops at the closing delimiter', () => {
    const body = Buffer.from('preamble\r\n--b\r\n\r\n\r\n--b\r\nContent-Disposition: form-data; name=model\r\n\r\ngpt-4.1\r\n--b--\r\n');
    expect(findModelField(new Uint8Array(body), 'b', true)).toMatchObject({ kind: 'model', model: 'gpt-4.1' });
    const closed = multipartBody([{ name: 'prompt', value: 'x' }], 'b');
    expect(findModelField(new Uint8Array(closed), 'b', false)).toEqual({ kind: 'none', reason: 'the body has no model field' });
  });
});
