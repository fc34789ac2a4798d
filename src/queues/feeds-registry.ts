// Feeds added at run time (`newsflow feeds add`, `feeds import`) live in Redis beside the config's
// own; the schedules are the union of both. Adding or removing one changes its job scheduler at
// once, so running workers pick it up without a restart.
import type { Redis } from 'ioredis';
import type { Config, FeedConfig } from '../shared/config.js';
import { feedId, type Keys } from '../shared/keys.js';
import { catalog } from './catalog.js';
import type { QueueSet } from './factory.js';
import { feedPollData, schedulerId } from './schedules.js';

export interface FeedHealth {
  id: string;
  url: string;
  name: string | null;
  source: 'config' | 'added';
  interval: number;
  lastPoll: string | null;
  lastSuccess: string | null;
  lastError: string | null;
  failures: number;
  nextPoll: string | null;
  itemsQueued: number;
}

export async function registeredFeeds(redis: Redis, keys: Keys): Promise<FeedConfig[]> {
  const raw = await redis.hgetall(keys.feedRegistry());
  return Object.values(raw).map((json) => JSON.parse(json) as FeedConfig);
}

/** The config's feeds and the added ones; config wins when a URL is in both. */
export async function allFeeds(redis: Redis, keys: Keys, config: Config): Promise<(FeedConfig & { source: 'config' | 'added' })[]> {
  const fromConfig = config.feeds.map((f) => ({ ...f, source: 'config' as const }));
  const known = new Set(fromConfig.map((f) => f.url));
  const added = (await registeredFeeds(redis, keys)).filter((f) => !known.has(f.url)).map((f) => ({ ...f, source: 'added' as const }));
  return [...fromConfig, ...added];
}

export async function addFeed(redis: Redis, keys: Keys, queues: QueueSet, config: Config, feed: FeedConfig): Promise<boolean> {
  const fresh = (await redis.hset(keys.feedRegistry(), feedId(feed.url), JSON.stringify(feed))) === 1;
  const queue = queues.get('feed');
  const every = feed.interval ?? config.fetch.interval;
  await queue.upsertJobScheduler(
    schedulerId(feed.url),
    { every },
    { name: 'feed.poll', data: feedPollData(feed), opts: catalog['feed.poll'].options },
  );
  await queue.add('feed.poll', feedPollData(feed), catalog['feed.poll'].options);
  return fresh;
}

export async function removeFeed(redis: Redis, keys: Keys, queues: QueueSet, url: string): Promise<boolean> {
  const removed = (await redis.hdel(keys.feedRegistry(), feedId(url))) === 1;
  const unscheduled = await queues.get('feed').removeJobScheduler(schedulerId(url));
  return removed || unscheduled;
}

export async function feedHealth(redis: Redis, keys: Keys, queues: QueueSet, config: Config): Promise<FeedHealth[]> {
  const feeds = await allFeeds(redis, keys, config);
  const schedulers = new Map((await queues.get('feed').getJobSchedulers(0, -1)).map((s) => [s.key, s]));
  const out: FeedHealth[] = [];
  for (const feed of feeds) {
    const id = feedId(feed.url);
    const state = await redis.hgetall(keys.feedState(id));
    const next = schedulers.get(schedulerId(feed.url))?.next;
    out.push({
      id,
      url: feed.url,
      name: feed.name ?? (state.title || null),
      source: feed.source,
      interval: feed.interval ?? config.fetch.interval,
      lastPoll: state.lastPoll || null,
      lastSuccess: state.lastSuccess || null,
      lastError: state.lastError || null,
      failures: Number(state.failures ?? 0),
      nextPoll: next ? new Date(next).toISOString() : null,
      itemsQueued: Number(state.itemsQueued ?? 0),
    });
  }
  return out;
}
