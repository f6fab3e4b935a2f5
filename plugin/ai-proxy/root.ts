/**
 * The AI proxy's root context: parses the configuration per Higress rule (global fields plus `_rules_`)
 * and hands each stream to an `AiProxyStream`. A summary of what was configured is logged, never a token;
 * text that is not JSON is refused here without being quoted, since it may hold tokens.
 */
import { HigressRootContext, log } from '../sdk/index.ts';
import { parseAiProxyConfig, type AiProxyConfig } from './config/plugin-config.ts';
import { AiProxyStream } from './stream.ts';

export class AiProxyRoot extends HigressRootContext<AiProxyConfig> {
  parseConfig(json: Record<string, unknown>, path: string): AiProxyConfig {
    return parseAiProxyConfig(json, path);
  }

  override onConfigure(configuration: string): boolean {
    if (!isJsonOrEmpty(configuration)) {
      log.error(`invalid plugin configuration: configuration: expected a JSON object, got text that is not valid JSON (${configuration.length} characters, not shown)`);
      return false;
    }
    if (!super.onConfigure(configuration)) return false;
    const active = this.ruleSet.global?.active;
    const summary = active
      ? `provider "${active.id}" (type ${active.spec.type}, ${active.tokens.tokens.length} token(s), protocol ${active.protocol})`
      : 'no active provider globally (traffic passes through)';
    log.info(`ai-proxy configured: ${summary}, ${this.ruleSet.rules.length} rule(s)`);
    return true;
  }

  createHttpContext(id: number): AiProxyStream {
    return new AiProxyStream(id, this);
  }
}

function isJsonOrEmpty(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
