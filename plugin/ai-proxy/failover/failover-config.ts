/**
 * `failover` of a provider, with Higress's field names and defaults (higress-ai-proxy.md §2.3,
 * traffic-management §B): `enabled` (false), `failureThreshold` (3 consecutive failures take a token
 * out), `successThreshold` (1 health-check success restores it), `healthCheckInterval` (5000 ms, also
 * the tick), `healthCheckTimeout` (5000 ms), `healthCheckModel`, `cooldownDuration` (0: none; else a
 * token comes back this long after it went out, without a probe), `failoverOnStatus` (`["4.*","5.*"]`,
 * unanchored). At least one of `healthCheckModel` and `cooldownDuration` is required, as in Higress.
 */
import { ConfigError, fieldPath, isJsonObject, readBoolean, readNumber, readString } from '../../sdk/config/index.ts';
import { readStatusPatterns } from '../config/retry-config.ts';

export interface FailoverConfig {
  failureThreshold: number;
  successThreshold: number;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  healthCheckModel?: string;
  cooldownMs: number;
  statuses: ReadonlySet<number>;
}

const FIELDS = ['enabled', 'failureThreshold', 'successThreshold', 'healthCheckInterval', 'healthCheckTimeout', 'healthCheckModel', 'cooldownDuration', 'failoverOnStatus'];

export function readFailoverConfig(json: Record<string, unknown>, path: string): FailoverConfig | undefined {
  const raw = json.failover;
  if (raw === undefined || raw === null) return undefined;
  const at = fieldPath(path, 'failover');
  if (!isJsonObject(raw)) throw new ConfigError(at, raw, `an object {${FIELDS.join(', ')}}`);
  for (const key of Object.keys(raw)) if (!FIELDS.includes(key)) throw new ConfigError(fieldPath(at, key), undefined, `one of ${FIELDS.join(', ')}`);
  if (!readBoolean(raw, 'enabled', at, { default: false })) return undefined;
  const config: FailoverConfig = {
    failureThreshold: readNumber(raw, 'failureThreshold', at, { integer: true, min: 1, max: 1000, default: 3 }),
    successThreshold: readNumber(raw, 'successThreshold', at, { integer: true, min: 1, max: 1000, default: 1 }),
    healthCheckIntervalMs: readNumber(raw, 'healthCheckInterval', at, { integer: true, min: 100, default: 5000 }),
    healthCheckTimeoutMs: readNumber(raw, 'healthCheckTimeout', at, { integer: true, min: 1, default: 5000 }),
    healthCheckModel: readString(raw, 'healthCheckModel', at, { nonEmpty: true, optional: true }),
    cooldownMs: readNumber(raw, 'cooldownDuration', at, { integer: true, min: 0, default: 0 }),
    statuses: readStatusPatterns(raw, 'failoverOnStatus', at, ['4.*', '5.*']),
  };
  if (config.healthCheckModel === undefined && config.cooldownMs === 0) {
    throw new ConfigError(fieldPath(at, 'healthCheckModel'), undefined, 'a model to probe unavailable tokens with, or a cooldownDuration > 0 (Higress requires one of them)');
  }
  return config;
}
