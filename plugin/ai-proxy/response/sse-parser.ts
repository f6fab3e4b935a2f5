/**
 * Incremental `text/event-stream` parser following the WHATWG HTML event-stream interpretation rules. The
 * response is relayed unchanged elsewhere; this only observes it. Body chunks may cut anywhere (inside a
 * field, between a CR and its LF, inside a multi-byte UTF-8 character — Higress #1164/#4616), so the
 * bytes of an unfinished line are kept between pushes and a line is decoded only once its end is seen.
 * Lines end in LF, CRLF or CR; a blank line dispatches the buffered event; `data:` lines join with LF;
 * one space after the colon is dropped; lines starting with `:` are comments; unknown fields and `retry`
 * are ignored; one BOM at the very start is skipped. Like a browser, `id` carries over to later events
 * until another `id:` line changes it (an `id` value containing NUL is ignored); `event` and `id` are
 * left out of an event when empty. At the end of the stream an event without its closing blank line is
 * discarded, as the spec requires; `incompleteAtEnd` then reports that something was cut off.
 */
import { concatBytes, utf8 } from '../../sdk/codec.ts';

export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = 0xfeff;

/** The lines of `text`, which ends with a line terminator (LF, CRLF or CR); plain indexOf, as regex split is slow in QuickJS. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  let cr = text.indexOf('\r');
  while (start < text.length) {
    const lf = text.indexOf('\n', start);
    if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    if (lf === -1 && cr === -1) {
      lines.push(text.slice(start));
      break;
    }
    if (cr !== -1 && (lf === -1 || cr < lf)) {
      lines.push(text.slice(start, cr));
      start = text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
    } else {
      lines.push(text.slice(start, lf));
      start = lf + 1;
    }
  }
  return lines;
}

/** Index of the last CR or LF in `chunk` at or after `start`, or −1 (chunks usually end with one). */
function lastLineEnd(chunk: Uint8Array, start: number): number {
  const lf = chunk.lastIndexOf(LF);
  const cr = chunk.lastIndexOf(CR);
  const last = lf > cr ? lf : cr;
  return last >= start ? last : -1;
}

export class SseParser {
  incompleteAtEnd = false;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private afterCr = false;
  private firstLine: boolean;
  private data = '';
  private eventType = '';
  private lastId = '';

  /** `atStreamStart`: the bytes begin the stream, so one BOM before the first line is skipped. */
  constructor(private readonly atStreamStart = true) {
    this.firstLine = atStreamStart;
  }

  push(chunk: Uint8Array): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    if (this.afterCr && chunk.length > 0) {
      this.afterCr = false;
      if (chunk[0] === LF) start = 1;
    }
    const last = lastLineEnd(chunk, start);
    if (last < 0) {
      this.keep(chunk.subarray(start));
      return events;
    }
    for (const line of splitLines(this.takeLines(chunk, start, last + 1))) this.line(line, events);
    this.afterCr = last === chunk.length - 1 && chunk[last] === CR;
    this.keep(chunk.subarray(last + 1));
    return events;
  }

  end(): SseEvent[] {
    this.incompleteAtEnd = this.pendingLength > 0 || this.data !== '';
    this.pending = [];
    this.pendingLength = 0;
    this.afterCr = false;
    this.firstLine = this.atStreamStart;
    this.data = '';
    this.eventType = '';
    this.lastId = '';
    return [];
  }

  private keep(rest: Uint8Array): void {
    if (rest.length === 0) return;
    this.pending.push(rest.slice());
    this.pendingLength += rest.length;
  }

  /** Decodes the kept bytes plus `chunk[start, end)`, which ends with a line terminator, in one call. */
  private takeLines(chunk: Uint8Array, start: number, end: number): string {
    if (this.pendingLength === 0) return utf8.decode(chunk.subarray(start, end));
    const bytes = new Uint8Array(concatBytes([...this.pending, chunk.subarray(start, end)]));
    this.pending = [];
    this.pendingLength = 0;
    return utf8.decode(bytes);
  }

  private line(text: string, events: SseEvent[]): void {
    if (this.firstLine) {
      this.firstLine = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (text === '') {
      this.dispatch(events);
      return;
    }
    if (text.charCodeAt(0) === COLON) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    if (field === 'data') this.data += value + '\n';
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data !== '') {
      const event: SseEvent = { data: this.data.slice(0, -1) };
      if (this.eventType !== '') event.event = this.eventType;
      if (this.lastId !== '') event.id = this.lastId;
      events.push(event);
    }
    this.data = '';
    this.eventType = '';
  }
}
