/**
 * Which build of the plugin is running: `higress` (`dist/<name>.wasm`: ABI 0.2.100, Higress's Redis
 * host functions) or `envoy` (`dist/<name>.envoy.wasm`: vanilla Envoy, ABI 0.2.1, no Redis). A plugin
 * rejects a feature its build cannot carry at configure time with `requireHigressBuild`.
 */
import * as host from './host-calls.ts';
import { ConfigError } from './config/readers.ts';

export type BuildTarget = 'higress' | 'envoy';

export function buildTarget(): BuildTarget {
  return host.buildTarget() === 1 ? 'higress' : 'envoy';
}

/** A configuration field that the Envoy build cannot serve; its message names the field and why. */
export class TargetConfigError extends ConfigError {
  constructor(field: string, value: unknown, feature: string) {
    super(field, value, 'a feature of the Higress build');
    this.message = `${field}: ${feature} needs the Higress build (dist/<plugin>.wasm, loaded by Higress); this is the Envoy build (dist/<plugin>.envoy.wasm), for vanilla Envoy, which has neither Higress's Redis host functions nor ABI 0.2.100`;
  }
}

/** Throws TargetConfigError for `field` (holding `value`) unless this is the Higress build. */
export function requireHigressBuild(field: string, value: unknown, feature: string): void {
  if (buildTarget() !== 'higress') throw new TargetConfigError(field, value, feature);
}
