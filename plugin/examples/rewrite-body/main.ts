/**
 * Example: buffers a JSON request body to its end, sets `"rewritten": true` in it, and forwards the new
 * body with a matching content-length. A body that is not a JSON object (or no body at all) is answered
 * with 400.
 */
import { Action, HttpContext, RootContext, bufferBody, decodeUtf8, parseJson, registerRootContext, type HookResult } from '../../sdk/index.ts';

class RewriteRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new Rewrite(id, this);
  }
}

class Rewrite extends HttpContext {
  override onRequestHeaders(_n: number, endOfStream: boolean): HookResult {
    // No body at all: the body hook would never run, so the request would pass unchecked.
    if (endOfStream) return this.badBody();
    this.requestHeaders.remove('content-length');
    return Action.Continue;
  }

  private badBody(): Action {
    this.sendLocalResponse(400, '{"error":"the body must be a JSON object"}', [['content-type', 'application/json']], 'bad_body');
    return Action.Pause;
  }

  override onRequestBody(bodySize: number, endOfStream: boolean): HookResult {
    return bufferBody(this, 'request', bodySize, endOfStream, (body) => {
      const parsed = parseJson(decodeUtf8(body));
      const json = parsed.ok ? parsed.value : undefined;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return this.badBody();
      this.request.body.replace(JSON.stringify({ ...json, rewritten: true }));
      return Action.Continue;
    });
  }
}

registerRootContext(() => new RewriteRoot());
