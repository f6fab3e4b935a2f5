/**
 * Choosing a token and learning from its answer when `failover` is on (traffic-management §B, with what
 * Higress lacks): a request goes out with a token that is in (not out, not parked), chosen as the
 * provider's strategy would among those; when every token is out it goes with the one that comes back
 * soonest, and the log says so once per minute per VM, not once per request. An upstream answer (Envoy's
 * own replies are not the token's fault) updates the token: a 2xx clears its failures and brings it
 * back if it was out or parked; `401`/`403`
 * take it out at once (a revoked token must not keep failing one request in N); a `429` with
 * `retry-after` (seconds or an HTTP date) or `x-ratelimit-reset-requests`/`-tokens` (`1s`, `6m0s`, `20ms`)
 * parks it until then (at most 24 h); a status in `failoverOnStatus` counts a failure, and `failureThreshold`
 * consecutive ones take it out.
 */
import { log, now } from '../../sdk/index.ts';

/** Reads one header of the answer. */
export type HeaderReader = (name: string) => string | undefined;
import type { ProviderConfig } from '../config/provider-config.ts';
import { available, readHealth, updateHealth, type TokenState } from './token-health.ts';

const LOG_WINDOW_MS = 60_000;
/** The longest a 429 parks a token (GitHub's daily limits ask for about 3 h): a hostile header cannot park one for good. */
const MAX_PARK_MS = 24 * 3_600_000;
const lastAllOutLog = new Map<string, number>();

/** When an out or parked token takes requests again (for the soonest choice). */
function comesBack(t: TokenState, provider: ProviderConfig): number {
  if (t.out === 0) return t.until;
  const failover = provider.failover!;
  return failover.cooldownMs > 0 ? t.out + failover.cooldownMs : t.out + failover.healthCheckIntervalMs;
}

/** The index of the token for one request (`consumer`: the `x-mse-consumer` value). */
export function chooseToken(provider: ProviderConfig, consumer: string | undefined): number {
  const wanted = provider.tokens.pickIndex(consumer);
  if (!provider.failover) return wanted;
  const doc = readHealth(provider);
  let at: number | undefined;
  const nowMs = () => (at ??= now());
  const n = doc.tokens.length;
  for (let k = 0; k < n; k++) {
    const i = (wanted + k) % n;
    if (available(doc.tokens[i]!, nowMs)) return i;
  }
  let soonest = 0;
  for (let i = 1; i < n; i++) if (comesBack(doc.tokens[i]!, provider) < comesBack(doc.tokens[soonest]!, provider)) soonest = i;
  const logged = lastAllOutLog.get(provider.id) ?? -Infinity;
  if (nowMs() - logged >= LOG_WINDOW_MS) {
    lastAllOutLog.set(provider.id, nowMs());
    log.warn(`ai-proxy: every token of provider "${provider.id}" is out; requests go with token #${soonest + 1}, which comes back soonest`);
  }
  return soonest;
}

/** Milliseconds of a `retry-after` (seconds or an HTTP date) or an OpenAI reset duration, or undefined. */
export function parkFor(header: HeaderReader, nowMs: number): number | undefined {
  const ms = requestedPark(header, nowMs);
  return ms === undefined || !Number.isFinite(ms) || ms < 0 ? undefined : Math.min(ms, MAX_PARK_MS);
}

function requestedPark(header: HeaderReader, nowMs: number): number | undefined {
  const after = header('retry-after');
  if (after !== undefined) {
    if (/^\d+$/.test(after.trim())) return Number(after.trim()) * 1000;
    const at = Date.parse(after);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  let longest: number | undefined;
  for (const name of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
    const ms = durationMs(header(name));
    if (ms !== undefined) longest = Math.max(longest ?? 0, ms);
  }
  return longest;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNIT_MS[unit!]!, 0);
}

/** What the upstream answer with `status` says about token `index`. */
export function learnFromAnswer(provider: ProviderConfig, index: number, status: number, header: HeaderReader, routeCluster: string | undefined): void {
  const failover = provider.failover!;
  const ok = status >= 200 && status < 300;
  const seen = readHealth(provider).tokens[index];
  if (ok && (!seen || (seen.f === 0 && seen.out === 0 && seen.until === 0))) return;
  const nowMs = now();
  const park = status === 429 ? parkFor(header, nowMs) : undefined;
  updateHealth(provider, (doc) => {
    const t = doc.tokens[index];
    if (!t) return false;
    if (ok) {
      if (t.f === 0 && t.out === 0 && t.until === 0) return false;
      Object.assign(t, { f: 0, s: 0, out: 0, until: 0 });
      return true;
    }
    if (status === 401 || status === 403) {
      if (t.out !== 0) return false;
      Object.assign(t, { out: nowMs, f: 0, s: 0 });
    } else if (park !== undefined) {
      t.until = Math.max(t.until, nowMs + park);
    } else if (failover.statuses.has(status)) {
      t.f++;
      if (t.f >= failover.failureThreshold && t.out === 0) Object.assign(t, { out: nowMs, s: 0 });
    } else return false;
    if (routeCluster !== undefined) doc.cluster = routeCluster;
    return true;
  });
}
