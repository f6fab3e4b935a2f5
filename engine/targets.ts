/**
 * The gateways a plugin is built for (issue 10): Higress, whose Envoy fork adds the Redis host functions
 * and accepts ABI 0.2.100 (a Pause from headers holds them while body callbacks go on), and vanilla
 * Envoy ≥ 1.27 (ABI 0.2.1, Proxy-Wasm host functions only). Each build has its own glue files
 * (`glue/*.<target>.wat`), file name and import table.
 */
import type { AbiName, GatewayName } from '../facts/proxy-wasm/host-table.ts';

export type TargetName = GatewayName;

export interface BuildTarget {
  readonly name: TargetName;
  readonly abi: AbiName;
  /** What `dist/<plugin>` gets appended. */
  readonly suffix: string;
  /** The host the module is for, as the verify step names it. */
  readonly host: string;
}

export const TARGETS: Readonly<Record<TargetName, BuildTarget>> = {
  higress: { name: 'higress', abi: '0_2_100', suffix: '.wasm', host: 'Higress (Proxy-Wasm 0.2.100 host functions, the Redis extension and the old WASI set)' },
  envoy: { name: 'envoy', abi: '0_2_1', suffix: '.envoy.wasm', host: 'Envoy ≥ 1.27 (vanilla: Proxy-Wasm 0.2.1 host functions and the old WASI set only)' },
};

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export const abiMarker = (target: TargetName): string => `proxy_abi_version_${TARGETS[target].abi}`;
