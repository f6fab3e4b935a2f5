/**
 * The AI proxy's root context: parses the configuration per Higress rule (global fields plus `_rules_`)
 * and hands each stream to an `AiProxyStream`. A summary of what was configured is logged, never a token.
 * With `failover`, it seeds the shared token health and ticks the health checks.
 */
import { log, now, type LocalReply } from '../sdk/index.ts';
import { PLUGIN_FAILURE } from './errors.ts';
import { HigressRootContext } from '../sdk/higress/index.ts';
import { parseAiProxyConfig, type AiProxyConfig } from './config/plugin-config.ts';
import { AiProxyStream } from './stream.ts';
import { healthTick } from './failover/health-check.ts';
import { seedHealth } from './failover/token-health.ts';
import type { ProviderConfig } from './config/provider-config.ts';
import { seedLocal } from './limits/local-store.ts';
import { initRedisLimits } from './limits/redis-store.ts';
import { seedLocalCache } from './cache/local-cache.ts';
import { initRedisCache } from './cache/redis-cache.ts';

export class AiProxyRoot extends HigressRootContext<AiProxyConfig> {
  /** Providers with `failover`, whose tokens the tick looks after. */
  private failover: ProviderConfig[] = [];

  parseConfig(json: Record<string, unknown>, path: string): AiProxyConfig {
    return parseAiProxyConfig(json, path);
  }

  override onConfigure(configuration: string): boolean {
    if (!super.onConfigure(configuration)) return false;
    const configs = [this.ruleSet.global, ...this.ruleSet.rules.map((rule) => rule.config)];
    const warnings = new Set(configs.flatMap((config) => config?.providers.flatMap((p) => p.warnings) ?? []));
    for (const warning of warnings) log.warn(`ai-proxy: ${warning}`);
    const active = this.ruleSet.global?.active;
    const summary = active
      ? `provider "${active.id}" (type ${active.spec.type}, ${active.tokens.tokens.length} token(s), protocol ${active.protocol})`
      : 'no active provider globally (traffic passes through)';
    log.info(`ai-proxy configured: ${summary}, ${this.ruleSet.rules.length} rule(s)`);
    this.failover = [...new Set(configs.flatMap((config) => config?.providers ?? []))].filter((p) => p.failover !== undefined);
    for (const provider of this.failover) seedHealth(provider);
    const limits = configs.flatMap((config) => config?.rateLimits ?? []);
    for (const limit of limits) if (limit.backend === 'local') seedLocal(limit);
    initRedisLimits(limits, now());
    const caches = configs.flatMap((config) => (config ? [config.cache, ...config.providers.map((p) => p.cache)] : [])).filter((c) => c !== undefined);
    for (const cache of caches) {
      if (cache.backend === 'local') seedLocalCache(cache);
      else initRedisCache(cache, now());
    }
    if (this.failover.length > 0) this.setTickPeriod(Math.min(...this.failover.map((p) => p.failover!.healthCheckIntervalMs)));
    return true;
  }

  override onTick(): void {
    healthTick(this, this.failover);
  }

  override onHookError(): LocalReply {
    return PLUGIN_FAILURE;
  }

  createHttpContext(id: number): AiProxyStream {
    return new AiProxyStream(id, this);
  }
}
