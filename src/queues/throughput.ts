// "Done per minute" as a person reads it: jobs that finished in the last 60 seconds, counted
// by every process into 10-second buckets in Redis (INCR + expiry). BullMQ's own metrics are
// flushed once a minute and averaged over whole minutes, so they show 0.0 right after a burst.
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { QueueName } from './catalog.js';

const BUCKET_MS = 10_000;
const WINDOW_MS = 60_000;
/** Buckets outlive the window by a margin, then expire on their own. */
const BUCKET_TTL_MS = 3 * WINDOW_MS;

/** Count one finished job (fire and forget: a lost count only makes the figure a little low). */
export function recordDone(redis: Redis, keys: Keys, queue: QueueName, now = Date.now()): Promise<unknown> {
  const key = keys.doneBucket(queue, Math.floor(now / BUCKET_MS));
  return redis.multi().incr(key).pexpire(key, BUCKET_TTL_MS).exec();
}

/**
 * Jobs of `queue` that finished in the 60 seconds before `now`: the six buckets that lie in the
 * window, plus the share of the oldest, partly covered bucket (assumed evenly spread over it).
 */
export async function donePerMinute(redis: Redis, keys: Keys, queue: QueueName, now = Date.now()): Promise<number> {
  const current = Math.floor(now / BUCKET_MS);
  const buckets = Array.from({ length: WINDOW_MS / BUCKET_MS + 1 }, (_, i) => current - i);
  const counts = (await redis.mget(...buckets.map((b) => keys.doneBucket(queue, b)))).map((v) => Number(v ?? 0));
  const oldest = counts.pop() ?? 0;
  const oldestShare = ((current + 1) * BUCKET_MS - now) / BUCKET_MS;
  return counts.reduce((a, b) => a + b, 0) + oldest * oldestShare;
}
