/**
 * Test plugin for header maps, trailers, local replies and resuming after callouts. The request header
 * `x-mode` picks: `headers` (reads and edits the request headers, reporting what it read in `x-report`
 * as JSON; in onResponseHeaders it reports in the response header `x-late` what the forwarded request
 * map looks like and what a write to it throws), `replace-all` (replaces the request headers with a fixed
 * map), `trailers` (edits request and response trailers), `local` (answers 418 itself), `callout-callback`
 * and `callout-promise` (ask the `auth` cluster first and copy its `x-user` into the request, resuming
 * with `resumeRequest()` or by resolving the async hook).
 */
import { Action, HostError, HttpContext, RootContext, registerRootContext, log, type HookResult } from '../../index.ts';

const AUTH = { cluster: 'auth', path: '/check', authority: 'auth.internal', timeoutMs: 1000 };

class HeadersRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new HeaderProbe(id, this);
  }
}

function attempt(write: () => void): string {
  try {
    write();
    return 'no error';
  } catch (error) {
    return error instanceof HostError ? `HostError|${error.call}|${error.status}|${error.message}` : `other|${String(error)}`;
  }
}

class HeaderProbe extends HttpContext {
  mode = '';

  override onRequestHeaders(): HookResult {
    const h = this.requestHeaders;
    this.mode = h.get('x-mode') ?? '';
    if (this.mode === 'headers') {
      const report = {
        first: h.get('x-dup'),
        caseInsensitive: h.get('X-DUP'),
        missing: h.get('x-missing') ?? null,
        has: [h.has('x-remove'), h.has('x-missing')],
        names: h.entries().map(([k]) => k),
        available: h.available,
      };
      h.set('x-multi', 'single');
      h.add('x-dup', 'three');
      h.remove('x-remove');
      h.set('x-report', JSON.stringify({ ...report, afterRemove: h.has('x-remove'), dupAfterAdd: h.get('x-dup') }));
    } else if (this.mode === 'replace-all') {
      h.replaceAll([['x-only', 'yes'], [':method', 'PUT'], [':path', '/replaced'], [':authority', 'other.local']]);
    } else if (this.mode === 'local') {
      this.sendLocalResponse(418, 'short and stout', [['x-teapot', 'yes'], ['content-type', 'text/plain']], 'teapot_reply');
      return Action.Pause;
    } else if (this.mode === 'callout-callback') {
      this.httpCall(AUTH, (response) => {
        this.requestHeaders.set('x-user', response.headers.find(([k]) => k === 'x-user')?.[1] ?? 'none');
        this.requestHeaders.set('x-auth-status', String(response.status));
        this.resumeRequest();
      });
      return Action.Pause;
    } else if (this.mode === 'callout-promise') {
      return this.withPromise();
    }
    return Action.Continue;
  }

  async withPromise(): Promise<Action> {
    const response = await this.httpCallAsync(AUTH);
    this.requestHeaders.set('x-user', response.headers.find(([k]) => k === 'x-user')?.[1] ?? 'none');
    this.requestHeaders.set('x-auth-body', response.text());
    return Action.Continue;
  }

  override onRequestTrailers(): HookResult {
    if (this.mode !== 'trailers') return Action.Continue;
    const t = this.requestTrailers;
    t.set('x-checked', `${t.get('x-checksum') ?? 'none'}-ok`);
    t.add('x-extra', '1');
    t.remove('x-drop');
    return Action.Continue;
  }

  override onResponseHeaders(): HookResult {
    if (this.mode === 'headers') {
      const late = {
        requestAvailable: this.requestHeaders.available,
        requestPath: this.requestHeaders.get(':path') ?? null,
        requestEntries: this.requestHeaders.entries().length,
        responseAvailable: this.responseHeaders.available,
        write: attempt(() => this.requestHeaders.set('x-too-late', '1')),
      };
      this.responseHeaders.set('x-late', JSON.stringify(late));
    }
    return Action.Continue;
  }

  override onResponseBody(_size: number, endOfStream: boolean): HookResult {
    if (this.mode === 'headers' && endOfStream) log.warn(`late response write: ${attempt(() => this.responseHeaders.add('x-after', '1'))}`);
    return Action.Continue;
  }

  override onResponseTrailers(): HookResult {
    if (this.mode !== 'trailers') return Action.Continue;
    this.responseTrailers.set('x-served-by', 'plugin');
    this.responseTrailers.set('x-trailer-names', this.responseTrailers.entries().map(([k]) => k).join(','));
    return Action.Continue;
  }
}

registerRootContext(() => new HeadersRoot());
