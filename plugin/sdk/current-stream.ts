/**
 * The stream the running callback belongs to (0: the root), set by the dispatcher when a callback
 * starts and kept while the promise jobs it queued run, which the engine drains before the callback
 * returns. Calls that answer later (Redis) use it to answer the stream that asked.
 */
let current = 0;

export function currentStreamId(): number {
  return current;
}

export function enterStream(id: number): void {
  current = id;
}
