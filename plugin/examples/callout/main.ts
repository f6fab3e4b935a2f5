/**
 * Example: before a request goes upstream, asks the `auth` cluster `GET /check?path=<path>`; a 200
 * lets the request continue with the `x-user` the auth service returned (an `x-user` the client sent is
 * always dropped), anything else (or a failed call) is answered with 403. Uses the promise form of
 * callouts.
 */
import { Action, HttpContext, RootContext, registerRootContext } from '../../sdk/index.ts';

const AUTH_CLUSTER = 'outbound|80||auth.internal';

class AuthRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new Auth(id, this);
  }
}

class Auth extends HttpContext {
  override async onRequestHeaders(): Promise<Action> {
    const path = this.requestHeaders.get(':path') ?? '/';
    // Only the auth service may name the user: a client's own x-user must never reach the upstream.
    this.requestHeaders.remove('x-user');
    const answer = await this.httpCallAsync({
      cluster: AUTH_CLUSTER,
      path: `/check?path=${encodeURIComponent(path)}`,
      authority: 'auth.internal',
      timeoutMs: 1000,
    });
    if (answer.failed || answer.status !== 200) {
      this.sendLocalResponse(403, '{"error":"forbidden"}', [['content-type', 'application/json']], 'auth_denied');
      return Action.Pause;
    }
    const user = answer.headers.find(([k]) => k === 'x-user')?.[1];
    if (user) this.requestHeaders.set('x-user', user);
    return Action.Continue;
  }
}

registerRootContext(() => new AuthRoot());
