// One Redis factory. Workers block on Redis and must never give up a command
// (maxRetriesPerRequest: null); producers and the CLI fail fast when Redis is away.
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}

export function createRedis(url: string, role: RedisRole, name?: string): Redis {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5_000 };
  if (name) opts.connectionName = name;
  const redis = new Redis(url, { ...opts, lazyConnect: role === 'producer' });
  // An unhandled 'error' event would crash the process; connection errors are retried by ioredis.
  redis.on('error', () => {});
  return redis;
}

/** Connect a producer-role client and fail with a clear message when nothing answers. */
export async function connectProducer(url: string, name?: string): Promise<Redis> {
  const redis = createRedis(url, 'producer', name);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return redis;
}

/** Hide the password in a redis:// URL for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
