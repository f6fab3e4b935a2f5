/**
 * `proxy_http_call` on the host side (reference §9, Envoy `Context::httpCall` and its async client): the
 * request goes to the cluster's server; the answer reaches the issuing root context through
 * `proxy_on_http_call_response` outside any other guest call, with the response maps and body readable
 * only during that callback. As in Envoy, a refused connection or a timeout before response headers
 * arrives as the router's own 503/504 reply; only a reset after the headers is the `(0, 0, 0)` failure
 * with status 11 "reset", during which no response maps or body exist (Envoy `onHttpCallFailure`).
 */
import type { UpstreamResponse } from '../callouts/upstream.ts';
import type { HeaderPairs } from '../codec/pairs.ts';
import { UpstreamError, envoyUpstreamFailure, sendUpstream } from '../callouts/upstream.ts';
import { concat } from '../codec/bytes.ts';
import type { CalloutRecord } from '../callouts/callout-record.ts';
import type { RootContext, VmInstance } from '../vm/vm.ts';

const encoder = new TextEncoder();

function header(headers: HeaderPairs, name: string): string {
  return headers.find(([k]) => k === name)?.[1] ?? '';
}

export function startCallout(vm: VmInstance, root: RootContext, record: CalloutRecord): void {
  const target = vm.core.options.clusters[record.cluster]!;
  const headers = record.headers.filter(([k]) => k !== 'content-length');
  const request = {
    method: header(record.headers, ':method'),
    path: header(record.headers, ':path'),
    authority: header(record.headers, ':authority'),
    headers: record.body.length ? [...headers, ['content-length', String(record.body.length)] as [string, string]] : record.headers,
    body: record.body,
  };
  let headersArrived = false;
  const events = { onHeaders: () => (headersArrived = true) };
  const work = sendUpstream(target, request, record.timeoutMs, events).then(
    (response) => vm.core.post(() => deliver(vm, root, record, response)),
    (error: Error) => {
      const kind = error instanceof UpstreamError ? error.kind : 'reset';
      record.failure = `${kind}: ${error.message}`;
      if (!(error instanceof UpstreamError)) vm.log('error', `http call ${record.token} could not be sent: ${error.message}`, 'host');
      vm.core.post(() => deliver(vm, root, record, headersArrived ? undefined : localReply(kind)));
    },
  );
  vm.core.track(work);
}

function localReply(kind: UpstreamError['kind']): UpstreamResponse {
  const reply = envoyUpstreamFailure(kind);
  const body = encoder.encode(reply.body);
  return {
    status: reply.status,
    headers: [
      ['content-length', String(body.length)],
      ['content-type', 'text/plain'],
    ],
    chunks: [body],
    trailers: [],
  };
}

function deliver(vm: VmInstance, root: RootContext, record: CalloutRecord, response?: UpstreamResponse): void {
  if (response) {
    const headers: HeaderPairs = [[':status', String(response.status)], ...response.headers];
    record.state = 'answered';
    record.response = { status: response.status, headers, body: concat(...response.chunks), trailers: response.trailers };
  } else {
    record.state = 'failed';
    root.status = { code: 11, message: 'reset' };
  }
  if (vm.failure || root.state === 'deleted' || !vm.has('proxy_on_http_call_response')) return;
  const view = record.response;
  vm.calloutView = view;
  try {
    const sizes = view ? [view.headers.length, view.body.length, view.trailers.length] : [0, 0, 0];
    vm.call('proxy_on_http_call_response', [root.id, record.token, ...sizes], root.id);
  } catch {
    return;
  } finally {
    vm.calloutView = undefined;
  }
  vm.flushDeferred();
}
