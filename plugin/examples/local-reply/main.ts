/** Example: answers `GET /healthz` with a local JSON reply; every other request passes through. */
import { Action, HttpContext, RootContext, registerRootContext, type HookResult } from '../../sdk/index.ts';

class HealthRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new Health(id, this);
  }
}

class Health extends HttpContext {
  override onRequestHeaders(): HookResult {
    if (this.requestHeaders.get(':path') !== '/healthz') return Action.Continue;
    this.sendLocalResponse(200, '{"status":"ok"}', [['content-type', 'application/json']], 'healthz');
    return Action.Pause;
  }
}

registerRootContext(() => new HealthRoot());
