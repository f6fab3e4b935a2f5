/**
 * The AI proxy's scenario table: plain data that both the harness (`test/scenarios.test.ts`) and real
 * Envoy and Higress in containers (`e2e/scenarios.e2e.test.ts`) run, so a difference between the two
 * shows as a failing row. Each scenario is a plugin configuration, how the fake upstream behaves, and
 * requests in order, each with what the client, the upstream and `wasm.ai_log` must see; counters are
 * checked after the last request. The upstream is the bundled fake, reached through the cluster
 * `UPSTREAM_CLUSTER` (the route's cluster, and the one retries use); Redis, where a scenario needs it,
 * through `REDIS_CLUSTER`.
 */
import type { FakeGitHubModelsOptions } from '../fake/github-models.ts';

export const UPSTREAM_CLUSTER = 'outbound|80||fake-upstream.static';
export const REDIS_CLUSTER = 'outbound|6379||redis.static';
export const ROUTE = 'ai-route';
export const TOKEN = 'ghp_fake_token';
export const SECOND_TOKEN = 'ghp_scenario_second_token';

export type World = 'harness' | 'envoy' | 'higress';

export interface ScenarioRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: string | Record<string, unknown>;
}

export interface StepExpectation {
  status: number;
  /** Subset of the client's JSON answer. */
  json?: Record<string, unknown>;
  /** The answer is SSE ending in `data: [DONE]`. */
  sse?: boolean;
  /** Response headers the client must get (`null`: must not get). */
  headers?: Record<string, string | null>;
  /** How many requests reached the upstream during this step (default: 1, or 0 for a local reply). */
  upstreamCount?: number;
  /** The last upstream request of the step. */
  upstream?: { path?: string; authorization?: string; model?: string; includeUsage?: boolean };
  /** Subset of the `wasm.ai_log` JSON. */
  aiLog?: Record<string, unknown>;
}

export interface Step {
  request: ScenarioRequest;
  expect: StepExpectation;
}

export interface Scenario {
  name: string;
  config: Record<string, unknown>;
  fake?: Partial<FakeGitHubModelsOptions>;
  steps: Step[];
  /** Counter values after the last step, by the plugin's metric name. */
  counters?: Record<string, number>;
  /** The worlds it runs in (default: all); Redis scenarios need the Higress build. */
  worlds?: World[];
  needsRedis?: boolean;
}

/** The fake's options for a scenario: its own over the fake's defaults (what an earlier row set is undone). */
export const fakeOptionsFor = (scenario: Scenario): Partial<FakeGitHubModelsOptions> => ({
  tokens: undefined, tokenBehaviour: undefined, rateLimited: undefined, sseChunking: undefined, models: undefined, ...scenario.fake,
});

const github = (extra: Record<string, unknown> = {}) => ({ provider: { type: 'github', apiTokens: [TOKEN], modelMapping: { 'gpt-4.1': 'openai/gpt-4.1' }, ...extra } });
const chat = (extra: Record<string, unknown> = {}): ScenarioRequest => ({
  method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-own' },
  body: { model: 'gpt-4.1', messages: [{ role: 'user', content: 'hello scenario' }], ...extra },
});
const CHAT_UPSTREAM = { path: '/inference/chat/completions', authorization: `Bearer ${TOKEN}`, model: 'openai/gpt-4.1' };
const metric = (name: string) => `ai_proxy.route.${ROUTE}.model.openai/gpt-4_1.${name}`;

export const SCENARIOS: Scenario[] = [
  {
    name: 'chat: host, path, token and model rewritten; usage recorded',
    config: github(),
    steps: [{
      request: chat(),
      expect: {
        status: 200, json: { object: 'chat.completion', model: 'openai/gpt-4.1', choices: [{ message: { content: 'Echo: hello scenario' } }] }, upstream: CHAT_UPSTREAM,
        aiLog: { provider: 'github', api: 'chat', request_model: 'gpt-4.1', upstream_model: 'openai/gpt-4.1', status: 200, input_token: 2, output_token: 3, total_token: 5, complete: true },
      },
    }],
    counters: { [metric('requests')]: 1, [metric('input_token')]: 2, [metric('output_token')]: 3, [metric('total_token')]: 5 },
  },
  {
    name: 'chat streamed: SSE relayed, include_usage asked for, usage from the last event',
    config: github(),
    fake: { sseChunking: 'byte-split' },
    steps: [{
      request: chat({ stream: true }),
      expect: { status: 200, sse: true, headers: { 'content-type': 'text/event-stream' }, upstream: { ...CHAT_UPSTREAM, includeUsage: true }, aiLog: { stream: true, input_token: 2, output_token: 3, complete: true } },
    }],
  },
  {
    name: 'embeddings and the model list in OpenAI shape',
    config: github(),
    steps: [
      {
        request: { method: 'POST', path: '/v1/embeddings', headers: { 'content-type': 'application/json' }, body: { model: 'openai/text-embedding-3-small', input: 'two words' } },
        expect: { status: 200, json: { object: 'list', usage: { prompt_tokens: 2 } }, upstream: { path: '/inference/embeddings' }, aiLog: { api: 'embeddings', input_token: 2 } },
      },
      { request: { method: 'GET', path: '/v1/models' }, expect: { status: 200, json: { object: 'list' }, upstream: { path: '/catalog/models' }, aiLog: { api: 'models' } } },
    ],
  },
  {
    name: 'errors: a missing model answered locally, an unknown one by the upstream, a 429 passed through',
    config: github(),
    fake: { rateLimited: false },
    steps: [
      { request: chat({ model: undefined }), expect: { status: 400, upstreamCount: 0, json: { error: { code: 'missing_model', type: 'invalid_request_error' } } } },
      { request: chat({ model: 'gpt-5' }), expect: { status: 404, json: { error: { code: 'unknown_model' } }, upstream: { model: 'gpt-5' } } },
      { request: { method: 'PUT', path: '/v1/chat/completions' }, expect: { status: 405, upstreamCount: 0, json: { error: { code: 'method_not_allowed' } } } },
    ],
  },
  {
    name: 'upstream rate limit: the 429 with retry-after reaches the client unchanged',
    config: github(),
    fake: { rateLimited: { retryAfter: 17, type: 'UserByModelByMinute' } },
    steps: [{ request: chat(), expect: { status: 429, headers: { 'retry-after': '17' }, json: { error: { code: 'RateLimitReached' } }, aiLog: { status: 429 } } }],
  },
  {
    name: 'retry: a 503 from the first token is retried with the second through the cluster',
    config: github({ apiTokens: [SECOND_TOKEN, TOKEN], tokenStrategy: 'round-robin', cluster: UPSTREAM_CLUSTER, retryOnFailure: { enabled: true, retryOnStatus: ['503'] } }),
    fake: { tokens: [SECOND_TOKEN, TOKEN], tokenBehaviour: { [SECOND_TOKEN]: { status: 503 } } },
    steps: [{ request: chat(), expect: { status: 200, upstreamCount: 2, upstream: { authorization: `Bearer ${TOKEN}` }, json: { model: 'openai/gpt-4.1' }, aiLog: { status: 200, attempts: 2 } } }],
  },
  {
    name: 'failover: a token answering 401 is taken out, later requests use the other',
    config: github({ apiTokens: [SECOND_TOKEN, TOKEN], tokenStrategy: 'round-robin', failover: { enabled: true, failureThreshold: 1, cooldownDuration: 600000, failoverOnStatus: ['401'] } }),
    fake: { tokens: [TOKEN] },
    steps: [
      { request: chat(), expect: { status: 401, upstream: { authorization: `Bearer ${SECOND_TOKEN}` } } },
      { request: chat(), expect: { status: 200, upstream: { authorization: `Bearer ${TOKEN}` } } },
      { request: chat(), expect: { status: 200, upstream: { authorization: `Bearer ${TOKEN}` } } },
    ],
  },
  {
    name: 'local rate limit: the third request in a minute is refused with retry-after',
    config: { ...github(), rateLimits: [{ name: 'rpm', counts: 'requests', window: 'minute', limit: 2, showLimitHeaders: true }] },
    steps: [
      { request: chat(), expect: { status: 200, headers: { 'x-ratelimit-remaining-requests': '1' } } },
      { request: chat(), expect: { status: 200, headers: { 'x-ratelimit-remaining-requests': '0' } } },
      { request: chat(), expect: { status: 429, upstreamCount: 0, json: { error: { type: 'rate_limit_exceeded', code: 'rpm' } }, aiLog: { attempts: 0 } } },
    ],
  },
  {
    name: 'Redis rate limit: the third request in a minute is refused',
    config: { ...github(), redis: { serviceName: 'redis.static', servicePort: 6379 }, rateLimits: [{ name: 'rpm-redis', counts: 'requests', window: 'minute', limit: 2, backend: 'redis' }] },
    worlds: ['harness', 'higress'],
    needsRedis: true,
    steps: [
      { request: chat(), expect: { status: 200 } },
      { request: chat(), expect: { status: 200 } },
      { request: chat(), expect: { status: 429, upstreamCount: 0, json: { error: { code: 'rpm-redis' } } } },
    ],
  },
  {
    name: 'local response cache: the same request again is answered without the upstream',
    config: { ...github(), cache: { enabled: true } },
    steps: [
      { request: chat(), expect: { status: 200, headers: { 'x-cache': 'MISS' }, aiLog: { cache_status: 'miss' } } },
      { request: chat(), expect: { status: 200, upstreamCount: 0, headers: { 'x-cache': 'HIT' }, json: { choices: [{ message: { content: 'Echo: hello scenario' } }] }, aiLog: { cache_status: 'hit' } } },
    ],
  },
  {
    name: 'Responses API on an OpenAI-compatible provider, an unknown path passed through',
    config: { provider: { type: 'openai-compatible', providerDomain: 'llm.example.com', apiTokens: [TOKEN], modelMapping: { 'my-gpt': 'gpt-4.1' } } },
    steps: [
      {
        request: { method: 'POST', path: '/v1/responses', headers: { 'content-type': 'application/json' }, body: { model: 'my-gpt', input: 'hello responses' } },
        expect: { status: 200, json: { object: 'response', status: 'completed' }, upstream: { path: '/v1/responses', model: 'gpt-4.1' }, aiLog: { api: 'responses', input_token: 2, output_token: 3 } },
      },
      {
        request: { method: 'POST', path: '/v1/responses', headers: { 'content-type': 'application/json' }, body: { model: 'my-gpt', input: 'stream it', stream: true } },
        expect: { status: 200, headers: { 'content-type': 'text/event-stream' }, aiLog: { api: 'responses', stream: true, total_token: 5 } },
      },
      { request: { method: 'GET', path: '/v1/fine_tuning/jobs' }, expect: { status: 404, upstream: { path: '/v1/fine_tuning/jobs', authorization: `Bearer ${TOKEN}` }, json: { error: { code: 'unknown_url' } } } },
    ],
  },
];
