/**
 * The fake's reading of a `multipart/form-data` body (RFC 7578): each part's field name, optional file
 * name and content type, and its bytes. Throws on a body that is not well formed, so the fake answers
 * 400 as OpenAI does for a broken upload.
 */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /^multipart\/form-data\s*;.*?\bboundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseForm(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error('no multipart delimiter');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    const headersStart = body.indexOf('\r\n', at) + 2;
    const headersEnd = body.indexOf('\r\n\r\n', headersStart - 2);
    if (headersStart < 2 || headersEnd < 0) throw new Error('a part without headers');
    const headers = body.subarray(headersStart, headersEnd).toString('latin1');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next < 0) throw new Error('a part without its closing delimiter');
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new Error('a part without a field name');
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    parts.push({ name, filename, contentType, data: body.subarray(headersEnd + 4, next) });
    at = next + 2;
  }
}

export const field = (parts: FormPart[], name: string): string | undefined => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
export const filePart = (parts: FormPart[], name: string): FormPart | undefined => parts.find((p) => p.name === name && p.filename !== undefined);
