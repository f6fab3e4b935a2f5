/** `multipart/form-data` bodies for tests, built as clients build them (RFC 7578). */
export interface TestPart {
  name: string;
  value: string | Uint8Array;
  filename?: string;
  contentType?: string;
}

export const BOUNDARY = '----ai-proxy-test-boundary-7MA4YWxkTrZu0gW';
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

export function multipartBody(parts: TestPart[], boundary = BOUNDARY): Buffer {
  const out: Buffer[] = [];
  for (const part of parts) {
    const file = part.filename === undefined ? '' : `; filename="${part.filename}"`;
    const type = part.contentType === undefined ? '' : `\r\nContent-Type: ${part.contentType}`;
    out.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${file}${type}\r\n\r\n`));
    out.push(Buffer.from(part.value));
    out.push(Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

/** Bytes 0–255 repeated to `size`: a "file" that is not valid UTF-8. */
export function binaryFile(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) % 256;
  return bytes;
}
