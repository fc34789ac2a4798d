// Feeds added at run time (`newsflow feeds add`, `feeds import`) live in Redis beside the config's
// own; the schedules are the union of both. Adding or removing one changes its job scheduler at
// once, so running workers pick it up without a restart.
import type { Redis } from 'ioredis';
import type { Config, FeedConfig } from '../../shared/config.js';
import { feedId, type Keys } from '../../shared/keys.js';
import type { QueueSet } from '../../queues/factory.js';
import { scheduleFeed, schedulerId, tickInterval } from '../../queues/schedules.js';
import { dueSlack } from './poll-schedule.js';
import { parseOpml, toOpml } from './opml.js';

export interface FeedHealth {
  id: string;
  url: string;
  name: string | null;
  source: 'config' | 'added';
  /** What the URL turned out to be at its last successful poll (null before one). */
  kind: 'feed' | 'sitemap' | null;
  /** Entries a sitemap left out at its last poll (other sites' URLs, bad dates), if any. */
  lastWarning: string | null;
  /** Current poll interval: the feed's own, else the one learned from its publishing rate. */
  interval: number;
  /** True when the feed's configured interval fixes it (no adaptation). */
  fixedInterval: boolean;
  lastPoll: string | null;
  lastSuccess: string | null;
  lastError: string | null;
  /** Short reason of the last error (`http_404`, `not_a_feed`, `timeout`, …). */
  lastErrorCode: string | null;
  lastErrorAt: string | null;
  /** Consecutive failures (0 after a success). */
  failures: number;
  /** First scheduler tick at which the feed is due (backoff and server hints included). */
  nextPoll: string | null;
  /** The feed found on the page the configured URL points to, when it was an HTML page. */
  discoveredUrl: string | null;
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
  await scheduleFeed(queues.get('feed'), config, feed);
  return fresh;
}

export async function removeFeed(redis: Redis, keys: Keys, queues: QueueSet, url: string): Promise<boolean> {
  const removed = (await redis.hdel(keys.feedRegistry(), feedId(url))) === 1;
  const unscheduled = await queues.get('feed').removeJobScheduler(schedulerId(url));
  return removed || unscheduled;
}

/** The first scheduler tick at or after `due` (ticks at `next`, `next + every`, …). */
function firstTickAfter(next: number, every: number, due: number): number {
  if (due - dueSlack(every) <= next) return next;
  return next + Math.ceil((due - dueSlack(every) - next) / every) * every;
}

export async function feedHealth(redis: Redis, keys: Keys, queues: QueueSet, config: Config): Promise<FeedHealth[]> {
  const feeds = await allFeeds(redis, keys, config);
  const schedulers = new Map((await queues.get('feed').getJobSchedulers(0, -1)).map((s) => [s.key, s]));
  const out: FeedHealth[] = [];
  for (const feed of feeds) {
    const id = feedId(feed.url);
    const state = await redis.hgetall(keys.feedState(id));
    const tick = schedulers.get(schedulerId(feed.url))?.next;
    const due = state.nextPoll ? Date.parse(state.nextPoll) : 0;
    const next = tick ? firstTickAfter(tick, tickInterval(feed, config), due) : due || null;
    out.push({
      id,
      url: feed.url,
      name: feed.name ?? (state.title || null),
      source: feed.source,
      kind: state.kind === 'sitemap' || state.kind === 'feed' ? state.kind : null,
      lastWarning: state.lastWarning || null,
      interval: feed.interval ?? (Number(state.interval) || config.fetch.interval),
      fixedInterval: feed.interval !== undefined,
      lastPoll: state.lastPoll || null,
      lastSuccess: state.lastSuccess || null,
      lastError: state.lastError || null,
      lastErrorCode: state.lastErrorCode || null,
      lastErrorAt: state.lastErrorAt || null,
      failures: Number(state.failures ?? 0),
      nextPoll: next ? new Date(next).toISOString() : null,
      discoveredUrl: state.discoveredUrl || null,
      itemsQueued: Number(state.itemsQueued ?? 0),
    });
  }
  return out;
}

/** Add every feed of an OPML document to the run-time registry; returns how many were new. */
export async function importOpml(
  redis: Redis,
  keys: Keys,
  queues: QueueSet,
  config: Config,
  xml: string,
): Promise<{ added: number; updated: number; skipped: string[] }> {
  const configured = new Set(config.feeds.map((f) => f.url));
  let added = 0;
  let updated = 0;
  const skipped: string[] = [];
  for (const f of parseOpml(xml)) {
    // The config's own entry wins; adding it again would only shadow it.
    if (configured.has(f.url)) {
      skipped.push(f.url);
      continue;
    }
    const fresh = await addFeed(redis, keys, queues, config, { url: f.url, ...(f.title ? { name: f.title } : {}) });
    if (fresh) added += 1;
    else updated += 1;
  }
  return { added, updated, skipped };
}

/** OPML 2.0 of every feed polled (config and added), titled with the feed's name or title. */
export async function exportOpml(redis: Redis, keys: Keys, config: Config, dateCreated = new Date()): Promise<string> {
  const feeds = await allFeeds(redis, keys, config);
  const titles = await Promise.all(feeds.map((f) => redis.hget(keys.feedState(feedId(f.url)), 'title')));
  return toOpml(
    feeds.map((f, i) => ({ url: f.url, ...((f.name ?? titles[i]) ? { title: (f.name ?? titles[i])! } : {}) })),
    { title: 'newsflow feeds', dateCreated },
  );
}
