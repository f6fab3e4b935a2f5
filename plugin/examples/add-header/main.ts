/**
 * Example: adds a request header whose name and value come from the Higress configuration, globally or
 * per `_rules_` entry (`{"header": "x-env", "value": "prod", "_rules_": [{"_match_domain_": ["*.dev"], "value": "dev"}]}`).
 * A bad configuration is rejected at configure time with the field, the value and the expected form.
 */
import { Action, HttpContext, registerRootContext, type HookResult } from '../../sdk/index.ts';
import { readString } from '../../sdk/config/index.ts';
import { HigressRootContext } from '../../sdk/higress/index.ts';

interface AddHeaderConfig {
  header: string;
  value: string;
}

class AddHeaderRoot extends HigressRootContext<AddHeaderConfig> {
  parseConfig(json: Record<string, unknown>, path: string): AddHeaderConfig {
    return {
      header: readString(json, 'header', path, { nonEmpty: true }).toLowerCase(),
      value: readString(json, 'value', path),
    };
  }

  createHttpContext(id: number): HttpContext | undefined {
    return new AddHeader(id, this);
  }
}

class AddHeader extends HttpContext<AddHeaderRoot> {
  override onRequestHeaders(): HookResult {
    const config = this.root.configFor(this);
    if (config) this.requestHeaders.set(config.header, config.value);
    return Action.Continue;
  }
}

registerRootContext(() => new AddHeaderRoot());
