/**
 * `proxy_http_call` on the host side (reference §9): the request goes to the cluster's server; the answer
 * (or a reset/timeout as `(0, 0, 0)` with status 11 "reset") reaches the issuing root context through
 * `proxy_on_http_call_response` outside any other guest call, with the response maps and body readable
 * only during that callback.
 */
import type { HeaderPairs, UpstreamResponse } from './upstream.ts';
import { sendUpstream } from './upstream.ts';
import { concat } from '../imports/buffers.ts';
import type { RootContext, VmInstance } from '../vm/vm.ts';

export interface CalloutRecord {
  vm: number;
  token: number;
  cluster: string;
  headers: HeaderPairs;
  body: Uint8Array;
  trailers: HeaderPairs;
  timeoutMs: number;
  state: 'pending' | 'answered' | 'failed';
  response?: { status: number; headers: HeaderPairs; body: Uint8Array; trailers: HeaderPairs };
  failure?: string;
}

function header(headers: HeaderPairs, name: string): string {
  return headers.find(([k]) => k === name)?.[1] ?? '';
}

export function startCallout(vm: VmInstance, root: RootContext, record: CalloutRecord): void {
  const target = vm.core.options.clusters[record.cluster]!;
  const request = {
    method: header(record.headers, ':method'),
    path: header(record.headers, ':path'),
    authority: header(record.headers, ':authority'),
    headers: record.body.length ? [...record.headers, ['content-length', String(record.body.length)] as [string, string]] : record.headers,
    body: record.body,
  };
  const work = sendUpstream(target, request, record.timeoutMs).then(
    (response) => vm.core.post(() => deliver(vm, root, record, response)),
    (error: Error) => vm.core.post(() => deliver(vm, root, record, undefined, error.message)),
  );
  vm.core.track(work);
}

function deliver(vm: VmInstance, root: RootContext, record: CalloutRecord, response?: UpstreamResponse, failure?: string): void {
  if (response) {
    const headers: HeaderPairs = [[':status', String(response.status)], ...response.headers];
    record.state = 'answered';
    record.response = { status: response.status, headers, body: concat(...response.chunks), trailers: response.trailers };
  } else {
    record.state = 'failed';
    record.failure = failure;
    root.status = { code: 11, message: 'reset' };
  }
  if (vm.failure || root.state === 'deleted' || !vm.has('proxy_on_http_call_response')) return;
  const view = record.response ?? { headers: [], body: new Uint8Array(0), trailers: [] };
  vm.calloutView = view;
  try {
    vm.call('proxy_on_http_call_response', [root.id, record.token, view.headers.length, view.body.length, view.trailers.length], root.id);
  } catch {
    return;
  } finally {
    vm.calloutView = undefined;
  }
  vm.flushDeferred();
}
