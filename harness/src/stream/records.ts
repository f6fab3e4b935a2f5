/**
 * What left the plugin on each side of a stream: the request as forwarded towards the upstream, and the
 * response as the client received it (status, headers, every chunk, trailers, end or reset).
 */
import type { HeaderPairs } from '../codec/pairs.ts';
import { concat } from '../codec/bytes.ts';
import type { Sink } from './direction.ts';

const decoder = new TextDecoder();

abstract class StreamRecord implements Sink {
  headers?: HeaderPairs;
  readonly chunks: Uint8Array[] = [];
  trailers?: HeaderPairs;
  ended = false;
  private readonly waiters: Array<() => void> = [];

  sendHeaders(headers: HeaderPairs, endOfStream: boolean): void {
    this.headers = headers;
    if (endOfStream) this.end();
  }

  sendData(chunk: Uint8Array, endOfStream: boolean): void {
    if (chunk.length > 0) this.chunks.push(chunk);
    this.onData?.(chunk, endOfStream);
    if (endOfStream) this.end();
  }

  sendTrailers(trailers: HeaderPairs): void {
    this.trailers = trailers;
    this.end();
  }

  onData?: (chunk: Uint8Array, endOfStream: boolean) => void;
  onEnd?: () => void;

  protected end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once the end of stream has passed this point. */
  whenEnded(): Promise<void> {
    return this.ended ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  header(name: string): string | undefined {
    return this.headers?.find(([k]) => k === name.toLowerCase())?.[1];
  }

  get body(): Uint8Array {
    return concat(...this.chunks);
  }

  get text(): string {
    return decoder.decode(this.body);
  }

  json(): unknown {
    return JSON.parse(this.text);
  }
}

export class UpstreamRecord extends StreamRecord {
  cancelled = false;
}

export class ClientRecord extends StreamRecord {
  reset?: string;

  get status(): number | undefined {
    const status = this.header(':status');
    return status === undefined ? undefined : Number(status);
  }
}
