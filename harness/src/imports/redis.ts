/**
 * Higress's Redis host functions (traffic-management §A) against a real Redis server: `clusters` maps a
 * cluster name to `redis://127.0.0.1:PORT`; the cluster argument may carry Higress's `?db=N` (other
 * parameters are accepted and ignored). `proxy_redis_init` on an unknown cluster answers BadArgument;
 * init again with other settings closes the open connection (identical settings keep it, as Higress
 * ≥ 2.2.4). `proxy_redis_call` sends the raw RESP query on this worker's connection for the cluster
 * and answers a token (3, 7, 11, …); the reply reaches the calling root context through
 * `proxy_on_redis_call_response(root, token, 0, size)`, readable as buffer type 9 during the callback,
 * after the current callback returns and in order. A refused or reset connection or the operation
 * timeout (on the host's clock) fails every pending call with status 1 and size 0, `proxy_get_status`
 * then giving 11 "reset".
 */
import { Status } from '../../../facts/proxy-wasm/enums.ts';
import { RedisConnection, type RedisSettings, type Schedule } from '../callouts/redis-connection.ts';
import type { Timer } from '../state/clock.ts';
import type { RedisCallRecord } from '../callouts/redis-record.ts';
import type { RootContext, VmInstance } from '../vm/vm.ts';
import { rootOf } from './time.ts';

const NETWORK_ERROR = 1;

function split(cluster: string): { name: string; database: number } {
  const mark = cluster.indexOf('?');
  if (mark < 0) return { name: cluster, database: 0 };
  const db = Number(new URLSearchParams(cluster.slice(mark + 1)).get('db') ?? '0');
  return { name: cluster.slice(0, mark), database: Number.isInteger(db) && db > 0 ? db : 0 };
}

function endpoint(vm: VmInstance, name: string): { host: string; port: number } | undefined {
  const target = vm.core.options.clusters[name];
  if (typeof target !== 'string' || !target.startsWith('redis://')) return undefined;
  const url = new URL(target);
  return { host: url.hostname, port: Number(url.port || '6379') };
}

const same = (a: RedisSettings, b: RedisSettings) =>
  a.host === b.host && a.port === b.port && a.username === b.username && a.password === b.password && a.database === b.database && a.timeoutMs === b.timeoutMs;

function deliver(vm: VmInstance, root: RootContext, record: RedisCallRecord): void {
  if (vm.failure || root.state === 'deleted' || !vm.has('proxy_on_redis_call_response')) return;
  const reply = record.reply;
  if (!reply) root.status = { code: 11, message: 'reset' };
  vm.redisReply = reply;
  try {
    vm.call('proxy_on_redis_call_response', [root.id, record.token, reply ? Status.Ok : NETWORK_ERROR, reply?.length ?? 0], root.id);
  } catch {
    return;
  } finally {
    vm.redisReply = undefined;
  }
  vm.flushDeferred();
}

/** One-shot timers on the host's clock (Envoy's operation timer runs on the worker's dispatcher). */
function clockSchedule(vm: VmInstance): Schedule {
  const clock = vm.core.clock;
  return (ms, fire) => {
    const timer: Timer = { periodMs: Number.MAX_SAFE_INTEGER, nextAtMs: clock.nowMs() + ms, fire: () => (clock.removeTimer(timer), fire()) };
    clock.addTimer(timer);
    return () => clock.removeTimer(timer);
  };
}

export function redisImports(vm: VmInstance) {
  const waiting = new Map<number, { record: RedisCallRecord; root: RootContext; done: () => void }>();
  const answered = (token: number, reply: Uint8Array | undefined, why?: string) => {
    const call = waiting.get(token);
    if (!call) return;
    waiting.delete(token);
    call.record.state = reply ? 'answered' : 'failed';
    if (reply) call.record.reply = reply;
    else call.record.failure = why;
    vm.core.post(() => deliver(vm, call.root, call.record));
    call.done();
  };
  return {
    proxy_redis_init(cp: number, cs: number, up: number, us: number, pp: number, ps: number, timeoutMs: number): number {
      const { name, database } = split(vm.memory.readString(cp, cs));
      const username = vm.memory.readString(up, us);
      const password = vm.memory.readString(pp, ps);
      const at = endpoint(vm, name);
      if (!at) {
        vm.log('warn', `redis init of unknown cluster "${name}" (no redis:// entry in clusters): bad argument`, 'host');
        return Status.BadArgument;
      }
      const settings: RedisSettings = { ...at, username, password, database, timeoutMs: timeoutMs >>> 0 };
      const open = vm.redis.get(name);
      if (open && same(open.settings, settings)) return Status.Ok;
      open?.close('redis_init replaced the connection');
      vm.redis.set(name, new RedisConnection(settings, clockSchedule(vm), answered));
      return Status.Ok;
    },
    proxy_redis_call(cp: number, cs: number, qp: number, qs: number, retToken: number): number {
      const { name } = split(vm.memory.readString(cp, cs));
      const query = vm.memory.read(qp, qs);
      vm.memory.check(retToken >>> 0, 4);
      const root = rootOf(vm);
      const connection = vm.redis.get(name);
      if (!root) return Status.BadArgument;
      if (!connection) {
        vm.log('warn', `redis call to cluster "${name}" before proxy_redis_init succeeded for it: bad argument`, 'host');
        return Status.BadArgument;
      }
      const token = vm.nextRedisToken;
      vm.nextRedisToken += 4;
      const record: RedisCallRecord = { vm: vm.index, token, cluster: name, query, state: 'pending' };
      vm.core.redisCalls.push(record);
      vm.memory.writeU32(retToken, token);
      vm.core.track(new Promise<void>((done) => waiting.set(token, { record, root, done })));
      connection.send(token, query);
      return Status.Ok;
    },
  };
}
