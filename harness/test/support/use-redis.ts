/**
 * A `redis-server` for the calling test file: started before its tests, stopped after. The getter
 * answers undefined where no binary is installed (`REDIS_SKIP` says why).
 */
import { afterAll, beforeAll } from 'vitest';
import { REDIS_SKIP, startRedis, type RedisServer } from './redis-server.ts';

export function useRedis(): () => RedisServer | undefined {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    if (!REDIS_SKIP) server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => server;
}
