/** What the host records of one `proxy_http_call`, from dispatch to answer or failure (`host.callouts`). */
import type { HeaderPairs } from '../codec/pairs.ts';

export interface CalloutRecord {
  vm: number;
  token: number;
  cluster: string;
  headers: HeaderPairs;
  body: Uint8Array;
  trailers: HeaderPairs;
  timeoutMs: number;
  /** `answered` includes Envoy's own 503/504 reply for an upstream that failed before its headers. */
  state: 'pending' | 'answered' | 'failed';
  response?: { status: number; headers: HeaderPairs; body: Uint8Array; trailers: HeaderPairs };
  /** What went wrong upstream, when something did (also set when Envoy answered in its place). */
  failure?: string;
}
