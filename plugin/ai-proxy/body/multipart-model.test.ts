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

describe('findModelField stays linear on hostile starts', () => {
  const dashes = `${'-'.repeat(69)}x`;
  const hostile: Array<[string, string, (n: number) => Uint8Array]> = [
    ['a body of dashes under a boundary of dashes', dashes, (n) => new TextEncoder().encode('-'.repeat(n))],
    ['near-delimiters that differ in their last byte', dashes, (n) => new TextEncoder().encode(`\r\n--${dashes.slice(0, -1)}y`.repeat(Math.ceil(n / 74)).slice(0, n))],
    ['a part full of delimiter look-alikes not followed by CRLF', 'b', (n) => new TextEncoder().encode(`--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\n${'\r\n--bX'.repeat(Math.ceil(n / 6))}`)],
    ['thousands of tiny parts before the model field', 'b', (n) => new TextEncoder().encode(`${'--b\r\nContent-Disposition: form-data; name="p"\r\n\r\nv\r\n'.repeat(Math.ceil(n / 51))}--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nm\r\n--b--`)],
  ];

  function nsPerByte(bytes: Uint8Array, boundary: string): number {
    const started = process.hrtime.bigint();
    findModelField(bytes, boundary, true);
    return Number(process.hrtime.bigint() - started) / bytes.length;
  }

  it.each(hostile)('%s: per byte, an eight times larger start costs about the same', (_name, boundary, make) => {
    const small = make(8 * 1024);
    const large = make(64 * 1024);
    const best = { small: Infinity, large: Infinity };
    for (let round = 0; round < 6; round++) {
      best.small = Math.min(best.small, nsPerByte(small, boundary));
      best.large = Math.min(best.large, nsPerByte(large, boundary));
    }
    expect(best.large / best.small, `ns per byte: ${best.small.toFixed(1)} at 8 KB, ${best.large.toFixed(1)} at 64 KB`).toBeLessThan(2.5);
  });
});
