/**
 * The `redis` block naming the server of `backend: redis` limits, in this plugin's field names
 * (`serviceName`, `servicePort`, `username`, `password`, `timeout`, `database`) or Higress's
 * (`service_name`, `service_port`, …). The cluster is `outbound|<port>||<serviceName>` as Higress builds
 * it; the port defaults to 80 for a `.static` service and 6379 otherwise, as in Higress.
 */
import { ConfigError, Described, fieldPath, isJsonObject, kindOnly, readNumber, readString } from '../../sdk/config/index.ts';


const NATIVE = ['serviceName', 'servicePort', 'username', 'password', 'timeout', 'database'] as const;
const HIGRESS = ['service_name', 'service_port', 'username', 'password', 'timeout', 'database'] as const;

/** Never shown in an error, whatever its type. */
function readPassword(value: unknown, at: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ConfigError(at, new Described(`${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`} (not shown)`), 'a string');
  return value;
}

/** A Redis server, as Higress names its cluster. */
export interface RedisTarget {
  cluster: string;
  username: string;
  password: string;
  timeoutMs: number;
  database: number;
}

export function readRedisTarget(value: unknown, path: string, higress: boolean): RedisTarget {
  if (!isJsonObject(value)) throw new ConfigError(path, value, 'an object with serviceName (and servicePort, username, password, timeout, database)');
  const names = higress ? HIGRESS : NATIVE;
  for (const key of Object.keys(value)) {
    if (!(names as readonly string[]).includes(key)) throw new ConfigError(fieldPath(path, key), kindOnly(value[key]), `one of the fields ${names.join(', ')}`);
  }
  const service = readString(value, names[0], path, { nonEmpty: true });
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(service)) throw new ConfigError(fieldPath(path, names[0]), service, 'a service name such as redis.static or redis.default.svc.cluster.local');
  const port = readNumber(value, names[1], path, { integer: true, min: 1, max: 65535, default: service.endsWith('.static') ? 80 : 6379 });
  return {
    cluster: `outbound|${port}||${service}`,
    username: readString(value, 'username', path, { default: '' }),
    password: readPassword(value.password, fieldPath(path, 'password')),
    timeoutMs: readNumber(value, 'timeout', path, { integer: true, min: 1, max: 60_000, default: 1000 }),
    database: readNumber(value, 'database', path, { integer: true, min: 0, max: 1_000_000, default: 0 }),
  };
}
