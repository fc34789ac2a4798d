// What every command that talks to a running pipeline shares: the config, one producer
// connection to its Redis, its queues and keys, and the hint for a prefix that holds nothing.
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../shared/config.js';
import { keysFor, type Keys } from '../shared/keys.js';
import { connectProducer, DEFAULT_REDIS_URL } from '../shared/redis.js';
import { QUEUE_NAMES } from '../queues/catalog.js';
import { createQueues, type QueueSet } from '../queues/factory.js';

export interface OpsContext {
  config: Config;
  redis: Redis;
  queues: QueueSet;
  keys: Keys;
}

export async function withOps<T>(program: Command, fn: (ctx: OpsContext) => Promise<T>): Promise<T> {
  const config = loadConfig(program.opts().config);
  const redis = await connectProducer(config.redis.url ?? DEFAULT_REDIS_URL, 'newsflow-cli');
  const queues = createQueues(redis, config.redis.prefix);
  try {
    return await fn({ config, redis, queues, keys: keysFor(config.redis.prefix) });
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

/**
 * Newsflow prefixes in this Redis other than `prefix`, when `prefix` itself holds no pipeline
 * (no job ever ran under it): the usual reason a command finds nothing is a config
 * or NEWSFLOW_PREFIX that differs from the running pipeline's. Empty when `prefix` is in use.
 */
export async function otherPrefixes(redis: Redis, prefix: string, maxScanned = 200_000): Promise<string[]> {
  // A queue's meta key appears as soon as anything opens the queue (this command included); its
  // events stream only once a job was added or run, and the feed index once a feed was polled.
  const marks = [...QUEUE_NAMES.map((q) => `${prefix}:${q}:events`), keysFor(prefix).feedIndex()];
  if ((await redis.exists(...marks)) > 0) return [];
  const found = new Set<string>();
  let cursor = '0';
  let scanned = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', '*:feed:events', 'COUNT', 1000);
    cursor = next;
    scanned += 1000;
    for (const key of keys) found.add(key.slice(0, -':feed:events'.length));
  } while (cursor !== '0' && scanned < maxScanned);
  found.delete(prefix);
  return [...found].sort();
}

/** Said on stderr when a command found nothing under its prefix but Redis holds other pipelines. */
export async function hintPrefix(ctx: OpsContext): Promise<void> {
  const others = await otherPrefixes(ctx.redis, ctx.config.redis.prefix);
  if (!others.length) return;
  process.stderr.write(
    `note: nothing has run under the prefix "${ctx.config.redis.prefix}" in this Redis, but it holds newsflow data under ` +
      `${others.map((p) => `"${p}"`).join(', ')}. Set redis.prefix in the config (or NEWSFLOW_PREFIX) to the running pipeline's.\n`,
  );
}
