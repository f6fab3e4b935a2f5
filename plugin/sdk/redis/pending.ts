/**
 * The Redis calls waiting for their reply, kept by the SDK: token → the handler, the stream that asked
 * (0 = the root), when it was sent and its timeout (to tell a timeout from another network failure,
 * since Envoy reports both as status 1). The dispatcher takes an entry when the reply arrives.
 */
export interface PendingRedisCall {
  deliver: (status: number, size: number) => void;
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
