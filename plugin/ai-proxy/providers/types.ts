/**
 * What a provider decides for a request: the upstream host, the path for each OpenAI API, the auth and
 * extra headers, and how its answers need translating. One small object per vendor.
 */
import type { HeaderPairs } from '../../sdk/codec.ts';
import type { ApiName } from '../apis/api-table.ts';

export type { ApiName };

export interface ProviderSettings {
  githubOrg?: string;
  apiVersion?: string;
  /** Replaces the type's host, on every type (Higress). */
  providerDomain?: string;
}

export interface ProviderSpec {
  readonly type: string;
  /** Type-specific fields this type requires or allows, checked at configure time; others are refused. */
  readonly required: ReadonlyArray<keyof ProviderSettings>;
  readonly optional: ReadonlyArray<keyof ProviderSettings>;
  readonly defaultApiVersion?: string;
  host(settings: ProviderSettings): string;
  /** The upstream path (with query; `{…}` for the client's id segments) for `api`, or undefined when the provider has no such API. */
  path(api: ApiName, settings: ProviderSettings): string | undefined;
  /** What a path naming no API of the provider gets unless `unknownApiPolicy` says otherwise. */
  readonly unknownApis: 'passthrough' | 'reject';
  authHeaders(token: string): HeaderPairs;
  extraHeaders(settings: ProviderSettings): HeaderPairs;
  /** How the answer to `GET /v1/models` must be translated to OpenAI's list shape. */
  readonly modelsFormat: 'openai' | 'github-catalog';
  /** A status meaning the provider itself is gone, with the message the client gets instead. */
  readonly retired?: { status: number; message: string };
}
