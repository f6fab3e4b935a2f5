/**
 * The events of a streamed answer worth reading for usage, found by the engine's native SSE scanner
 * (`sseScan`) without decoding the stream in JS: those whose data holds a `"usage"` object, and, while
 * the answering model is not known yet, any event with data. Each such event's block — the bytes from
 * the end of the previous event to its closing blank line — is parsed alone by `SseParser`, so the
 * data read is what a parser of the whole stream would read. Bytes of an event cut by a chunk end are
 * kept until it ends, up to `maxEventBytes`; a longer event is counted in `oversized`, not parsed.
 */
import * as host from '../../sdk/host-calls.ts';
import { concatBytes } from '../../sdk/index.ts';
import { SseParser } from './sse-parser.ts';

const EVENTS_PER_CALL = 32;
const WANT_MODEL = 5;
const STOP = 0;
const BLOCK = 1;
const FIRST_EVENT = 3;

export class SseEventScan {
  /** Events too long to keep and parse. */
  oversized = 0;
  private readonly state = new ArrayBuffer(24);
  private readonly flags = new Int32Array(this.state);
  private readonly out = new ArrayBuffer(12 + 12 * EVENTS_PER_CALL);
  private readonly words = new Int32Array(this.out);
  private kept: Uint8Array[] = [];
  private keptBytes = 0;
  private overflowed = false;

  constructor(private readonly maxEventBytes: number) {}

  /** The data of each event of `chunk` worth reading, in order. */
  push(chunk: ArrayBuffer, wantModel: boolean): string[] {
    const found: string[] = [];
    const bytes = new Uint8Array(chunk);
    const words = this.words;
    this.flags[WANT_MODEL] = wantModel ? 1 : 0;
    let from = 0;
    do {
      const count = host.sseScan(chunk, this.state, this.out, from);
      if (count < 0) throw new RangeError(`the engine's SSE scanner refused its buffers (code ${count})`);
      for (let k = 0; k < count; k++) {
        const start = words[FIRST_EVENT + 3 * k];
        const end = words[FIRST_EVENT + 3 * k + 1];
        const block = start >= 0 ? bytes.subarray(start, end) : this.takeKept(bytes.subarray(0, end));
        if (block) for (const event of new SseParser(false).push(block)) found.push(event.data);
      }
      from = words[STOP];
    } while (from < bytes.length);
    const open = words[BLOCK];
    if (open >= 0) {
      this.dropKept();
      this.keep(bytes.subarray(open));
    } else this.keep(bytes);
    return found;
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
