/** What the host records of one `proxy_redis_call`, from dispatch to reply or failure (`host.redisCalls`). */
export interface RedisCallRecord {
  vm: number;
  token: number;
  /** The cluster name, without Higress's `?db=…` parameters. */
  cluster: string;
  /** The raw RESP query the plugin sent. */
  query: Uint8Array;
  state: 'pending' | 'answered' | 'failed';
  /** The raw RESP reply, once answered. */
  reply?: Uint8Array;
  /** Why the call failed (refused, reset, timed out, closed). */
  failure?: string;
}
