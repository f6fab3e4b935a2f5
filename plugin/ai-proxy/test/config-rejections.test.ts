/**
 * Every bad configuration is refused at configure time: `createHost` rejects, and exactly one error line
 * is logged, `invalid plugin configuration: <field path>: expected <form>, got <value>`, never holding a
 * token (the tokens below sit in every configuration, and also where typos or broken JSON would show
 * them). A rejected host is never returned, so log lines are captured from the harness's LogStore.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogStore, type LogEntry } from '../../../harness/src/state/logs.ts';
import { MODES, aiHost, type PluginMode } from '../test-support/ai-host.ts';

const T = 'ghp_RejectedSecret01';
const T2 = 'sk-compat-Secret02';
const SECRETS = [T, T2];
const gh = { type: 'github', apiTokens: [T] };
const provider = (extra: Record<string, unknown>) => ({ provider: { ...gh, ...extra } });
const listed = (...entries: object[]) => ({ providers: entries });
const TYPES = '"github", "openai", "azure-ai-foundry", "openai-compatible"';
const FIELDS = 'id, type, apiTokens, modelMapping, protocol, timeout, firstByteTimeout, githubOrg, apiVersion, providerDomain, providerBasePath, capabilities, tokenStrategy, consumerAffinity, disableStreamUsageStats, maxRequestBodyBytes, unknownApiPolicy, retryOnFailure, failover, cluster, fallbackProviders, fallbackOnStatus, cache';
const CAPABILITIES = [
  'chatcompletions', 'completions', 'embeddings', 'models', 'retrievemodel', 'responses', 'retrieveresponse', 'cancelresponse', 'responseinputitems',
  'imagegeneration', 'imageedit', 'imagevariation', 'audiospeech', 'audiotranscription', 'audiotranslation', 'moderations', 'files', 'retrievefile',
  'retrievefilecontent', 'batches', 'retrievebatch', 'cancelbatch',
].map((name) => `openai/v1/${name}`).join(', ');
const hidden = (text: string) => `a string of ${text.length} characters (not shown)`;
const KEYS = '_match_route_, _match_domain_, _match_service_, _match_route_prefix_';
const TOKENS = 'a non-empty array of API tokens (strings, with or without "Bearer ")';
const SPACES = 'a token without spaces (an optional "Bearer " prefix is allowed)';
const UNSUPPORTED = 'nothing: this Higress ai-proxy field is not supported by this plugin (only its no-op values are accepted)';
const MAPPING = 'an object from model name (exact, "prefix*", "~regex" or "*") to target model';
const DOMAIN = 'a host name with an optional :port, without scheme or path';

const CASES: Array<[string, object | string, string]> = [
  ['missing type', { provider: { apiTokens: [T] } }, `provider.type: expected one of ${TYPES}, got nothing`],
  ['unknown type', provider({ type: 'gihub' }), `provider.type: expected one of ${TYPES}, got "gihub"`],
  ['missing apiTokens', { provider: { type: 'github' } }, `provider.apiTokens: expected ${TOKENS}, got nothing`],
  ['empty apiTokens', provider({ apiTokens: [] }), `provider.apiTokens: expected ${TOKENS}, got an empty array`],
  ['apiTokens as a string', provider({ apiTokens: T }), `provider.apiTokens: expected ${TOKENS}, got ${hidden(T)}`],
  ['a token with spaces', provider({ apiTokens: [T, `Bearer ${T2} x`] }), `provider.apiTokens[1]: expected ${SPACES}, got ${hidden(`Bearer ${T2} x`)}`],
  ['a bare "Bearer " token', provider({ apiTokens: ['Bearer '] }), `provider.apiTokens[0]: expected ${SPACES}, got ${hidden('Bearer ')}`],
  ['typo apiToken', { provider: { type: 'github', apiToken: [T] } }, `provider.apiToken: expected a known provider field (${FIELDS}), got an array of 1 entry`],
  ['typo apikey', provider({ apikey: T2 }), `provider.apikey: expected a known provider field (${FIELDS}), got ${hidden(T2)}`],
  ['apiTokens at the top level', { apiTokens: [T], provider: gh }, 'apiTokens: expected one of the fields provider, providers, activeProviderId, redis, rateLimits, cache, got an array of 1 entry'],
  ['failover without a way back', provider({ failover: { enabled: true } }), 'provider.failover.healthCheckModel: expected a model to probe unavailable tokens with, or a cooldownDuration > 0 (Higress requires one of them), got nothing'],
  ['failover with an unknown field', provider({ failover: { enabled: true, cooldownDuration: 1000, threshold: 2 } }), 'provider.failover.threshold: expected one of enabled, failureThreshold, successThreshold, healthCheckInterval, healthCheckTimeout, healthCheckModel, cooldownDuration, failoverOnStatus, got nothing'],
  ['failover.failureThreshold zero', provider({ failover: { enabled: true, cooldownDuration: 1000, failureThreshold: 0 } }), 'provider.failover.failureThreshold: expected an integer from 1 to 1000, got 0'],
  ['retryOnFailure not an object', provider({ retryOnFailure: true }), 'provider.retryOnFailure: expected an object {enabled, maxRetries, retryTimeout, retryOnStatus}, got true'],
  ['retryOnFailure with an unknown field', provider({ retryOnFailure: { enabled: true, retries: 2 } }), 'provider.retryOnFailure.retries: expected one of enabled, maxRetries, retryTimeout, retryOnStatus, got nothing'],
  ['retryOnFailure.maxRetries negative', provider({ retryOnFailure: { enabled: true, maxRetries: -1 } }), 'provider.retryOnFailure.maxRetries: expected an integer from 0 to 10, got -1'],
  ['retryOnFailure.retryTimeout zero', provider({ retryOnFailure: { enabled: true, retryTimeout: 0 } }), 'provider.retryOnFailure.retryTimeout: expected an integer >= 1, got 0'],
  ['retryOnFailure.retryOnStatus not strings', provider({ retryOnFailure: { enabled: true, retryOnStatus: [429] } }), 'provider.retryOnFailure.retryOnStatus[0]: expected a string, got 429'],
  ['retryOnFailure.retryOnStatus not a regex', provider({ retryOnFailure: { enabled: true, retryOnStatus: ['4(('] } }), 'provider.retryOnFailure.retryOnStatus[0]: expected a regular expression, got "4(("'],
  ['reasoningContentMode concat', provider({ reasoningContentMode: 'concat' }), `provider.reasoningContentMode: expected ${UNSUPPORTED}, got ${hidden('concat')}`],
  ['mergeConsecutiveMessages true', provider({ mergeConsecutiveMessages: true }), `provider.mergeConsecutiveMessages: expected ${UNSUPPORTED}, got true`],
  ['a field named like a prototype member', provider({ constructor: false }), `provider.constructor: expected a known provider field (${FIELDS}), got false`],
  ['a capability named like a prototype member', provider({ capabilities: { constructor: '/x' } }), `provider.capabilities.constructor: expected one of the API names this plugin serves: ${CAPABILITIES}, got "/x"`],
  ['protocol', provider({ protocol: 'anthropic' }), 'provider.protocol: expected one of "openai", "original", got "anthropic"'],
  ['timeout negative', provider({ timeout: -5 }), 'provider.timeout: expected an integer >= 1, got -5'],
  ['timeout fractional', provider({ timeout: 1.5 }), 'provider.timeout: expected an integer >= 1, got 1.5'],
  ['timeout as a string', provider({ timeout: '120000' }), 'provider.timeout: expected an integer >= 1, got "120000"'],
  ['firstByteTimeout negative', provider({ firstByteTimeout: -1 }), 'provider.firstByteTimeout: expected an integer >= 1, got -1'],
  ['githubOrg invalid', provider({ githubOrg: 'fake org' }), 'provider.githubOrg: expected a GitHub organization login (letters, digits, hyphens), got "fake org"'],
  ['githubOrg on openai', provider({ type: 'openai', githubOrg: 'fake-org' }), 'provider.githubOrg: expected nothing: githubOrg applies to type "github" only, got "fake-org"'],
  ['apiVersion on openai-compatible', provider({ type: 'openai-compatible', providerDomain: 'llm.local', apiVersion: '1' }), 'provider.apiVersion: expected nothing: apiVersion applies to types "github", "azure-ai-foundry" only, got "1"'],
  ['azure-ai-foundry without providerDomain', provider({ type: 'azure-ai-foundry' }), 'provider.providerDomain: expected a value: provider type "azure-ai-foundry" requires it, got nothing'],
  ['openai-compatible without providerDomain', provider({ type: 'openai-compatible' }), 'provider.providerDomain: expected a value: provider type "openai-compatible" requires it, got nothing'],
  ['providerDomain with a scheme', provider({ type: 'openai-compatible', providerDomain: 'https://llm.example.com' }), `provider.providerDomain: expected ${DOMAIN}, got "https://llm.example.com"`],
  ['providerDomain with a path', provider({ type: 'azure-ai-foundry', providerDomain: 'x.services.ai.azure.com/models' }), `provider.providerDomain: expected ${DOMAIN}, got "x.services.ai.azure.com/models"`],
  ['providerBasePath without /', provider({ type: 'openai-compatible', providerDomain: 'llm.local', providerBasePath: 'v1' }), 'provider.providerBasePath: expected a path starting with "/", got "v1"'],
  ['capabilities for an API this plugin does not serve', provider({ capabilities: { 'openai/v1/realtime': '/realtime' } }), `provider.capabilities.openai/v1/realtime: expected one of the API names this plugin serves: ${CAPABILITIES}, got "/realtime"`],
  ['a capability naming an id its API does not have', provider({ capabilities: { 'openai/v1/retrievefile': '/files/{batch_id}' } }), 'provider.capabilities.openai/v1/retrievefile: expected an upstream path starting with "/" whose id segments are those of openai/v1/retrievefile: {file_id}, got "/files/{batch_id}"'],
  ['a capability with an id on an API without ids', provider({ capabilities: { 'openai/v1/chatcompletions': '/chat/{model}' } }), 'provider.capabilities.openai/v1/chatcompletions: expected an upstream path starting with "/" whose id segments are those of openai/v1/chatcompletions: no id segments, got "/chat/{model}"'],
  ['an unknown unknownApiPolicy', provider({ unknownApiPolicy: 'forward' }), 'provider.unknownApiPolicy: expected one of "passthrough", "reject", got "forward"'],
  ['a capability path without /', provider({ capabilities: { 'openai/v1/chatcompletions': 'chat' } }), 'provider.capabilities.openai/v1/chatcompletions: expected an upstream path starting with "/", got "chat"'],
  ['an id that looks like a token', provider({ id: T }), `provider.id: expected a provider name (this one looks like a credential and would appear in logs), got ${hidden(T)}`],
  ['modelMapping not an object', provider({ modelMapping: ['gpt-4'] }), `provider.modelMapping: expected ${MAPPING}, got an array of 1 entry`],
  ['modelMapping target not a string', provider({ modelMapping: { 'gpt-*': 4 } }), 'provider.modelMapping.gpt-*: expected a target model name (a string; "" keeps the requested name), got 4'],
  ['modelMapping invalid regex', provider({ modelMapping: { '~gpt-(': 'x' } }), 'provider.modelMapping.~gpt-(: expected a valid regular expression after "~" (*), got "gpt-("'],
  ['provider and providers', { provider: gh, providers: [{ ...gh, id: 'a' }] }, 'provider: expected either "provider" or "providers", not both, got an object with fields type, apiTokens'],
  ['a provider entry without id', listed(gh), 'providers[0].id: expected a non-empty string, got nothing'],
  ['duplicate ids', listed({ ...gh, id: 'a' }, { type: 'openai', apiTokens: [T2], id: 'a' }), 'providers[1].id: expected an id no other provider uses, got "a"'],
  ['activeProviderId unknown', { ...listed({ ...gh, id: 'a' }), activeProviderId: 'b' }, 'activeProviderId: expected the id of a configured provider ("a"), got "b"'],
  ['a rule with an unknown activeProviderId', { ...listed({ ...gh, id: 'a' }), _rules_: [{ _match_route_: ['r'], activeProviderId: 'c' }] }, '_rules_[0].activeProviderId: expected the id of a configured provider ("a"), got "c"'],
  ['a rule with a bad provider', { provider: gh, _rules_: [{ _match_domain_: ['d'], provider: { ...gh, timeout: -1 } }] }, '_rules_[0].provider.timeout: expected an integer >= 1, got -1'],
  ['providers not an array', { providers: { id: 'a', ...gh } }, 'providers: expected an array of provider objects, got an object with fields id, type, apiTokens'],
  ['a JSON array', [{ provider: gh }], 'configuration: expected a JSON object, got an array of 1 entry'],
  ['provider as an array', { provider: [gh] }, 'provider: expected a provider object, got an array of 1 entry'],
  ['_rules_ as an object', { provider: gh, _rules_: { _match_route_: ['r'], provider: gh } }, '_rules_: expected an array of rule objects, got an object with fields _match_route_, provider'],
  ['a rule without a _match_ key', { provider: gh, _rules_: [{ provider: { ...gh, apiTokens: [T2] } }] }, `_rules_[0]: expected an object with at least one of ${KEYS}, got an object with field provider`],
  ['a rule that is a token', { provider: gh, _rules_: [T2] }, `_rules_[0]: expected an object, got ${hidden(T2)}`],
  ['JSON nested too deep', `{"provider":${'['.repeat(5000)}"${T}"${']'.repeat(5000)}}`, 'configuration: expected a JSON object nested at most 128 levels deep, got arrays and objects nested deeper than 128 levels'],
  ['unclosed brackets (which used to trap the VM)', `{"provider":{"apiTokens":["${T}"],"x":${'['.repeat(7600)}`, 'configuration: expected a JSON object nested at most 128 levels deep, got arrays and objects nested deeper than 128 levels'],
  ['a JSON string', '"github"', 'configuration: expected a JSON object, got "github"'],
  ['invalid JSON', `{"provider":{"type":"github","apiTokens":["${T}"],}}`, 'configuration: expected a JSON object, got text that is not valid JSON (*)'],
];

let entries: LogEntry[] = [];
afterEach(() => vi.restoreAllMocks());

async function rejectedWith(mode: PluginMode, config: object | string): Promise<string[]> {
  const spy = vi.spyOn(LogStore.prototype, 'add');
  await expect(aiHost(mode, config)).rejects.toThrow(/proxy_on_configure returned false/);
  entries = spy.mock.calls.map(([entry]) => entry);
  return entries.filter((e) => e.level === 'error' || e.level === 'critical').map((e) => e.message);
}

describe.each(MODES)('rejected configurations (%s)', (mode: PluginMode) => {
  it.each(CASES)('rejects %s', async (_name, config, expected) => {
    const errors = await rejectedWith(mode, config);
    expect(errors).toHaveLength(1);
    const line = `invalid plugin configuration: ${expected}`;
    if (expected.includes('(*)')) {
      const [before, after] = line.split('(*)') as [string, string];
      expect(errors[0]!.startsWith(`${before}(`) && errors[0]!.endsWith(`)${after}`), errors[0]).toBe(true);
    } else expect(errors[0]).toBe(line);
    for (const secret of SECRETS) for (const e of entries) expect(e.message).not.toContain(secret);
  });

  it('accepts each corrected configuration (the cases above fail for their stated reason only)', async () => {
    const good = [
      provider({ timeout: 1, firstByteTimeout: 1, githubOrg: 'fake-org', protocol: 'original', modelMapping: { '~gpt-(.*)': 'x$1' } }),
      provider({ type: 'openai-compatible', providerDomain: 'llm.local:8080', providerBasePath: '/v1' }),
      provider({ type: 'azure-ai-foundry', providerDomain: 'x.services.ai.azure.com' }),
      { ...listed({ ...gh, id: 'a' }, { type: 'openai', apiTokens: [T2], id: 'b' }), activeProviderId: 'b', _rules_: [{ _match_route_: ['r'], activeProviderId: 'a' }] },
    ];
    for (const config of good) {
      const spy = vi.spyOn(LogStore.prototype, 'add');
      const host = await aiHost(mode, config);
      expect(host.logs.messages('error')).toEqual([]);
      for (const secret of SECRETS) for (const [e] of spy.mock.calls) expect(e.message).not.toContain(secret);
      spy.mockRestore();
    }
  });
});
