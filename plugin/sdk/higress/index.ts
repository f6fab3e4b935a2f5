/** Higress configuration for plugins (import `plugin/sdk/higress/index.ts`): `_rules_` matching and a root context that applies it. */
export { HigressRootContext } from './root.ts';
export { matchesDomain, matchesService, parseRuleSet, selectRule, type CompiledRule, type RequestFacts, type RuleSet } from './rules.ts';
