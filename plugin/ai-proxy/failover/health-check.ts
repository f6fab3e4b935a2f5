/**
 * Bringing tokens back (traffic-management §B): on each tick one VM at a time — the one holding the
 * provider's lease in shared data, taken over when it is older than three health-check intervals
 * (a VM that stopped ticking) — restores out tokens after `cooldownDuration`, and otherwise probes each
 * with a minimal chat request to `healthCheckModel` through the provider's `cluster` (or the route
 * cluster of the last failure), restoring it after `successThreshold` 2xx answers in a row. Parked
 * tokens need nothing: they take requests again when their time is up.
 */
import { RootContext, decodeUtf8, log, now, randomBytes, sharedData } from '../../sdk/index.ts';
import type { ProviderConfig } from '../config/provider-config.ts';
import { calloutHeaders } from '../request/upstream-headers.ts';
import { healthKey, readHealth, updateHealth } from './token-health.ts';

/** This VM's id in the lease, drawn when first needed (top-level code runs at build time, once for all VMs). */
let vmId: string | undefined;
const thisVm = () => (vmId ??= [...randomBytes(8)].map((b) => b.toString(16).padStart(2, '0')).join(''));
const inFlight = new Set<string>();

/** Whether this VM holds (or just took) the probing lease of `provider`. */
function holdsLease(provider: ProviderConfig, nowMs: number): boolean {
  const key = `${healthKey(provider)}/lease`;
  const found = sharedData.get(key);
  if (found) {
    const [vm, at] = decodeUtf8(found.value).split(' ');
    const age = nowMs - Number(at);
    const stale = !(age >= 0 && age <= 3 * provider.failover!.healthCheckIntervalMs);
    if (vm !== thisVm() && !stale) return false;
  }
  return sharedData.set(key, `${thisVm()} ${nowMs}`, found?.cas ?? 0);
}

function restore(provider: ProviderConfig, index: number, when: (t: { out: number; s: number }) => boolean): void {
  updateHealth(provider, (doc) => {
    const t = doc.tokens[index];
    if (!t || t.out === 0 || !when(t)) return false;
    Object.assign(t, { out: 0, f: 0, s: 0 });
    log.info(`ai-proxy: token #${index + 1} of provider "${provider.id}" is back`);
    return true;
  });
}

function probe(root: RootContext, provider: ProviderConfig, index: number, cluster: string): void {
  const failover = provider.failover!;
  const path = provider.paths.api.chat;
  if (!path) return;
  const flight = `${provider.id}/${index}`;
  if (inFlight.has(flight)) return;
  const { authority, headers } = calloutHeaders(provider, index);
  const model = provider.mapping.map(failover.healthCheckModel!) ?? failover.healthCheckModel;
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'who are you?' }], max_tokens: 1 });
  inFlight.add(flight);
  try {
    root.httpCall({ cluster, method: 'POST', path, authority, headers, body, timeoutMs: failover.healthCheckTimeoutMs }, (answer) => {
      inFlight.delete(flight);
      const ok = !answer.failed && answer.status >= 200 && answer.status < 300;
      updateHealth(provider, (doc) => {
        const t = doc.tokens[index];
        if (!t || t.out === 0) return false;
        t.s = ok ? t.s + 1 : 0;
        if (ok && t.s >= failover.successThreshold) {
          Object.assign(t, { out: 0, f: 0, s: 0 });
          log.info(`ai-proxy: token #${index + 1} of provider "${provider.id}" passed its health check and is back`);
        }
        return true;
      });
    });
  } catch (error) {
    inFlight.delete(flight);
    log.warn(`ai-proxy: a health check of provider "${provider.id}" could not be sent: ${(error as Error).message}`);
  }
}

const lastRound = new WeakMap<ProviderConfig, number>();

/** One tick: every provider with failover whose `healthCheckInterval` has passed since its last round. */
export function healthTick(root: RootContext, providers: readonly ProviderConfig[]): void {
  const nowMs = now();
  for (const provider of providers) {
    const failover = provider.failover;
    if (!failover || nowMs - (lastRound.get(provider) ?? -Infinity) < failover.healthCheckIntervalMs) continue;
    lastRound.set(provider, nowMs);
    if (!holdsLease(provider, nowMs)) continue;
    const doc = readHealth(provider);
    doc.tokens.forEach((t, index) => {
      if (t.out === 0) return;
      if (failover.cooldownMs > 0 && nowMs - t.out >= failover.cooldownMs) return restore(provider, index, (s) => nowMs - s.out >= failover.cooldownMs);
      const cluster = provider.cluster ?? doc.cluster;
      if (failover.healthCheckModel !== undefined && cluster !== undefined) probe(root, provider, index, cluster);
    });
  }
}
