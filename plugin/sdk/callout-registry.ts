/**
 * The callouts waiting for an answer, kept by the SDK rather than on the plugin's contexts: token →
 * the handler and the stream it belongs to (0 = the root itself). The dispatcher takes an entry when
 * Envoy delivers the answer.
 */
import type { CalloutResponse } from './callouts.ts';

export type CalloutHandler = (response: CalloutResponse) => void;

interface Pending {
  handler: CalloutHandler;
  streamId: number;
}

const pending = new Map<number, Pending>();

export function awaitCallout(token: number, handler: CalloutHandler, streamId: number): void {
  pending.set(token, { handler, streamId });
}

/** The waiting entry of `token`, removed; undefined when none (already answered, or not ours). */
export function takeCallout(token: number): Pending | undefined {
  const entry = pending.get(token);
  pending.delete(token);
  return entry;
}
