/**
 * The Redis calls waiting for their reply, kept by the SDK: token → the handler, the stream that asked
 * (0 = the root). The dispatcher takes an entry when the reply arrives, and delivers it or, for a
 * stream that has ended, lets the caller forget the call.
 */
export interface PendingRedisCall {
  deliver: (status: number, size: number) => void;
  /** The reply arrived for a stream that has ended: nothing is delivered, the caller only forgets the call. */
  forget: () => void;
  /** Instead of forgetting: the reply of a stream that has ended, run as the root (e.g. to undo what the command did). */
  orphan?: (status: number, size: number) => void;
  streamId: number;
}

const pending = new Map<number, PendingRedisCall>();

export function awaitRedisReply(token: number, call: PendingRedisCall): void {
  pending.set(token, call);
}

/** The waiting entry of `token`, removed; undefined when none. */
export function takeRedisCall(token: number): PendingRedisCall | undefined {
  const entry = pending.get(token);
  pending.delete(token);
  return entry;
}
