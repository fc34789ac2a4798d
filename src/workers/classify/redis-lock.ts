// The lock the classify stage's shared indexes (stories, near-duplicates) take around a lookup
// and its insert: SET NX PX with a random token, retried with capped exponential backoff and
// jitter, released by compare-and-delete so a lock that expired and was taken by another worker
// is never released by the late holder. Its PX expiry frees it when a worker dies holding it.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LockOptions {
  /** Expiry: longer than any holder takes. */
  lockMs: number;
  /** Give up acquiring after this long (the job is retried). */
  acquireTimeoutMs: number;
  /** What the lock guards, for the error ("story index"). */
  what: string;
}

export async function withRedisLock<T>(redis: Redis, key: string, o: LockOptions, fn: () => Promise<T>): Promise<T> {
  const token = randomBytes(12).toString('hex');
  const deadline = Date.now() + o.acquireTimeoutMs;
  let wait = 2;
  while ((await redis.set(key, token, 'PX', o.lockMs, 'NX')) !== 'OK') {
    if (Date.now() > deadline) throw new Error(`${o.what} lock ${key} busy for ${o.acquireTimeoutMs} ms`);
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}
