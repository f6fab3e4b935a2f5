/** The smallest plugin: every hook keeps its default (Continue). The benchmarks' baseline. */
import { HttpContext, RootContext, registerRootContext } from '../../sdk/index.ts';

class PassthroughRoot extends RootContext {
  createHttpContext(id: number): HttpContext {
    return new HttpContext(id, this);
  }
}

registerRootContext(() => new PassthroughRoot());
