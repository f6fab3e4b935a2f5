/**
 * A root context for Higress plugins: `onConfigure` turns the plugin configuration (global fields plus
 * `_rules_`) into a RuleSet with the plugin's `parseConfig`, rejecting an invalid one with a single
 * error log line, and `configFor` picks the config for a stream — undefined means pass through. The
 * `:authority` header and the `route_name`/`cluster_name` properties are read only if a rule needs them.
 */
import { RootContext, type HttpContext } from '../contexts.ts';
import { ConfigError } from '../config/index.ts';
import { log } from '../log.ts';
import { getProperty } from '../properties.ts';
import { parseRuleSet, selectRule, type RequestFacts, type RuleSet } from './rules.ts';

function once(read: () => string | undefined): () => string | undefined {
  let done = false;
  let value: string | undefined;
  return () => {
    if (!done) {
      value = read();
      done = true;
    }
    return value;
  };
}

export abstract class HigressRootContext<C> extends RootContext {
  ruleSet: RuleSet<C> = { rules: [] };

  /** Builds one config from JSON (global fields, or global fields overridden by a rule's), throwing ConfigError under `path`. */
  abstract parseConfig(json: Record<string, unknown>, path: string): C;

  override onConfigure(configuration: string): boolean {
    try {
      this.ruleSet = parseRuleSet(configuration, (json, path) => this.parseConfig(json, path));
      return true;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.error(`invalid plugin configuration: ${error.message}`);
      return false;
    }
  }

  configFor(ctx: HttpContext): C | undefined {
    if (this.ruleSet.rules.length === 0) return this.ruleSet.global;
    const authority = once(() => ctx.requestHeaders.get(':authority'));
    const routeName = once(() => getProperty(['route_name']));
    const clusterName = once(() => getProperty(['cluster_name']));
    const facts: RequestFacts = {
      get authority() {
        return authority();
      },
      get routeName() {
        return routeName();
      },
      get clusterName() {
        return clusterName();
      },
    };
    return selectRule(this.ruleSet, facts);
  }
}
