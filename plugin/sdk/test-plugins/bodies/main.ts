/**
 * Test plugin for the body helpers. The request header `x-mode` picks: `buffer-request` (bufferBody on
 * the request; the whole body is forwarded as `<length>:<BODY IN UPPER CASE>`, and `x-limit: n` passes
 * `limitBytes: n`), `buffer-response` (bufferBody on the response; the client gets
 * `{"wrapped":<body as text>}`), `sse` (streamChunks on the response; every `data: ` becomes `data: >`,
 * and an empty end-of-stream chunk is replaced by `data: [END]\n\n`), `edit` (each request chunk goes on
 * wrapped as `<` + chunk + `>` with the typed body API, its size reported in `x-sizes`), `hold-start`
 * (holdBodyWhile with `x-limit` bytes at most, default 64: the start is held until it holds a `|`, then
 * what comes before it goes on in upper case; how often it was looked at, and whether the last look was
 * final, in `x-decide-calls` and `x-final`). Response headers report
 * `x-complete-calls` (how often a bufferBody completion ran on the request) and `x-body-calls` (body
 * callbacks seen on the request).
 */
import {
  Action,
  HttpContext,
  RootContext,
  bufferBody,
  decodeUtf8,
  holdBodyWhile,
  utf8,
  registerRootContext,
  streamChunks,
  type HookResult,
} from '../../index.ts';

class BodiesRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new Bodies(id, this);
  }
}

class Bodies extends HttpContext {
  mode = '';
  limit?: number;
  bodyCalls = 0;
  completeCalls = 0;
  responseCompleteCalls = 0;

  override onRequestHeaders(): HookResult {
    this.mode = this.requestHeaders.get('x-mode') ?? '';
    const limit = this.requestHeaders.get('x-limit');
    this.limit = limit === undefined ? undefined : Number(limit);
    if (this.mode === 'buffer-request') this.requestHeaders.remove('content-length');
    return Action.Continue;
  }

  sizes: number[] = [];

  decideCalls = 0;
  final = false;
  decided = false;

  override onRequestBody(bodySize: number, endOfStream: boolean): HookResult {
    this.bodyCalls++;
    if (this.mode === 'hold-start') {
      if (this.decided) return Action.Continue;
      return holdBodyWhile(this, 'request', bodySize, endOfStream, this.limit ?? 64, (start, final) => {
        this.decideCalls++;
        this.final = final;
        const bar = start.indexOf(0x7c);
        if (bar < 0 && !final) return 'more';
        this.decided = true;
        if (bar < 0) return undefined;
        return utf8.encode(utf8.decode(start.subarray(0, bar)).toUpperCase() + utf8.decode(start.subarray(bar)));
      });
    }
    if (this.mode === 'edit') {
      this.sizes.push(this.request.body.size);
      this.request.body.prepend('<');
      this.request.body.append('>');
      return Action.Continue;
    }
    if (this.mode !== 'buffer-request') return Action.Continue;
    const options = this.limit === undefined ? {} : { maxBytes: this.limit };
    return bufferBody(
      this,
      'request',
      bodySize,
      endOfStream,
      (body) => {
        this.completeCalls++;
        const text = decodeUtf8(body);
        this.request.body.replace(`${body.byteLength}:${text.toUpperCase()}`);
        return Action.Continue;
      },
      options,
    );
  }

  override onResponseHeaders(): HookResult {
    this.responseHeaders.set('x-complete-calls', String(this.completeCalls));
    this.responseHeaders.set('x-body-calls', String(this.bodyCalls));
    if (this.mode === 'edit') this.responseHeaders.set('x-sizes', this.sizes.join(','));
    if (this.mode === 'hold-start') {
      this.responseHeaders.set('x-decide-calls', String(this.decideCalls));
      this.responseHeaders.set('x-final', String(this.final));
    }
    if (this.mode === 'buffer-response') this.responseHeaders.remove('content-length');
    return Action.Continue;
  }

  override onResponseBody(bodySize: number, endOfStream: boolean): HookResult {
    if (this.mode === 'buffer-response') {
      return bufferBody(this, 'response', bodySize, endOfStream, (body) => {
        this.responseCompleteCalls++;
        this.response.body.replace(JSON.stringify({ wrapped: decodeUtf8(body), completions: this.responseCompleteCalls }));
        return Action.Continue;
      });
    }
    if (this.mode === 'sse') {
      return streamChunks('response', bodySize, endOfStream, (chunk, end) => {
        const text = decodeUtf8(chunk);
        if (end && text === '') return 'data: [END]\n\n';
        return text.includes('data: ') ? text.replaceAll('data: ', 'data: >') : undefined;
      });
    }
    return Action.Continue;
  }
}

registerRootContext(() => new BodiesRoot());
