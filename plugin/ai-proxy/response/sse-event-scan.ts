/**
 * The events of a streamed answer worth reading for usage, found by the engine's native SSE scanner
 * without decoding the stream in JS: those whose data holds a `"usage"` object, and, while the
 * answering model is not known yet, any event with data. `pushBody` scans the body chunk where Envoy
 * holds it, so a chunk with nothing worth reading never crosses into JS. Each event worth reading is
 * its block — the bytes from the end of the previous event to its closing blank line — parsed alone
 * by `SseParser`, so the data read is what a parser of the whole stream would read. Bytes of an event
 * cut by a chunk end are kept until it ends, up to `maxEventBytes`; a longer event is counted in
 * `oversized`, not parsed.
 */
import * as host from '../../sdk/host-calls.ts';
import { BufferType, Status, concatBytes, readBuffer } from '../../sdk/index.ts';
import { raise } from '../../sdk/abi.ts';
import { SseParser } from './sse-parser.ts';

const EVENTS_PER_CALL = 32;
const WANT_MODEL = 5;
const STOP = 0;
const BLOCK = 1;
const LENGTH = 3;
const FIRST_EVENT = 4;
const EMPTY = new ArrayBuffer(0);

export class SseEventScan {
  /** Events too long to keep and parse. */
  oversized = 0;
  private readonly state = new ArrayBuffer(24);
  private readonly flags = new Int32Array(this.state);
  private readonly out = new ArrayBuffer(16 + 12 * EVENTS_PER_CALL);
  private readonly words = new Int32Array(this.out);
  private kept: Uint8Array[] = [];
  private keptBytes = 0;
  private overflowed = false;

  constructor(
    private readonly maxEventBytes: number,
    private readonly onData: (data: string) => void,
  ) {}

  /** The response body chunk of the running callback, scanned where Envoy holds it. */
  pushBody(wantModel: boolean): void {
    this.flags[WANT_MODEL] = wantModel ? 1 : 0;
    const count = host.sseScanBody(BufferType.ResponseBody, this.state, this.out);
    if (count === -1) throw new RangeError("the engine's SSE scanner refused its buffers");
    if (count < -1) {
      if (-count - 2 === Status.NotFound) return;
      raise('scan response body', -count - 2);
    }
    const words = this.words;
    const length = words[LENGTH];
    const open = words[BLOCK];
    if (count === 0 && words[STOP] === length && (open === -1 ? length === 0 : open === length)) {
      if (open !== -1) this.dropKept();
      return;
    }
    this.finish(new Uint8Array(readBuffer('response body') ?? EMPTY), count);
  }

  /** A chunk already in JS. */
  push(chunk: ArrayBuffer, wantModel: boolean): void {
    this.flags[WANT_MODEL] = wantModel ? 1 : 0;
    this.finish(new Uint8Array(chunk), this.scan(chunk, 0));
  }

  private scan(chunk: ArrayBuffer, from: number): number {
    const count = host.sseScan(chunk, this.state, this.out, from);
    if (count < 0) throw new RangeError(`the engine's SSE scanner refused its buffers (code ${count})`);
    return count;
  }

  /** Reads the `count` events the last scan of `bytes` reported, scans on to its end, keeps an open event. */
  private finish(bytes: Uint8Array, count: number): void {
    const words = this.words;
    for (;;) {
      for (let k = 0; k < count; k++) {
        const start = words[FIRST_EVENT + 3 * k];
        const end = words[FIRST_EVENT + 3 * k + 1];
        const block = start >= 0 ? bytes.subarray(start, end) : this.takeKept(bytes.subarray(0, end));
        if (!block) continue;
        const events = new SseParser(false).push(block);
        for (let e = 0; e < events.length; e++) this.onData(events[e].data);
      }
      const from = words[STOP];
      if (from >= bytes.length) break;
      count = this.scan(bytes.buffer as ArrayBuffer, from);
    }
    const open = words[BLOCK];
    if (open >= 0) {
      this.dropKept();
      if (open < bytes.length) this.keep(bytes.subarray(open));
    } else this.keep(bytes);
  }

  /** The kept bytes of an event that began in an earlier chunk, completed by `rest`; undefined when it was too long. */
  private takeKept(rest: Uint8Array): Uint8Array | undefined {
    const overflowed = this.overflowed || this.keptBytes + rest.length > this.maxEventBytes;
    const block = overflowed ? undefined : new Uint8Array(concatBytes([...this.kept, rest]));
    if (overflowed) this.oversized++;
    this.dropKept();
    return block;
  }

  private dropKept(): void {
    if (this.keptBytes === 0 && !this.overflowed) return;
    this.kept = [];
    this.keptBytes = 0;
    this.overflowed = false;
  }

  private keep(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.overflowed) return;
    if (this.keptBytes + bytes.length > this.maxEventBytes) {
      this.kept = [];
      this.keptBytes = 0;
      this.overflowed = true;
      return;
    }
    this.kept.push(bytes.slice());
    this.keptBytes += bytes.length;
  }
}
