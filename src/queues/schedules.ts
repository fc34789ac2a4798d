// Feed schedules: one BullMQ job scheduler per feed (upsertJobScheduler is idempotent, so any
// number of containers may sync at once), plus one immediate poll per feed at start-up,
// deduplicated so that several processes starting together poll once.
//
// The scheduler only ticks: every fetch.minInterval, or the feed's own `interval` when it has one.
// Whether a tick polls is decided by the feed's `nextPoll` (adaptive interval, server hints,
// failure backoff; see workers/fetch/feed.worker.ts), which lives in Redis and so survives
// restarts. Keeping `every` constant means the many processes that sync at start never rewrite
// each other's schedules.
import type { Queue } from 'bullmq';
import type { Config, FeedConfig } from '../shared/config.js';
import { feedId } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import { catalog } from './catalog.js';
import type { QueueSet } from './factory.js';

export function schedulerId(feedUrl: string): string {
  return `feed-${feedId(feedUrl)}`;
}

export function feedPollData(feed: Pick<FeedConfig, 'url' | 'name'>) {
  return { feedUrl: feed.url, name: feed.name ?? null };
}

/** How often a feed's scheduler ticks: its own interval (fixed), else fetch.minInterval (adaptive). */
export function tickInterval(feed: Pick<FeedConfig, 'interval'>, config: Config): number {
  return feed.interval ?? config.fetch.minInterval;
}

/**
 * Create or update one feed's scheduler and queue one immediate poll. The scheduler's first tick
 * is one interval away (`startDate`), so the immediate poll is the only one now, and its
 * deduplication id makes it one however many processes do this at the same moment.
 */
export async function scheduleFeed(queue: Queue, config: Config, feed: FeedConfig, opts: { pollNow?: boolean } = {}): Promise<void> {
  const id = schedulerId(feed.url);
  const every = tickInterval(feed, config);
  await queue.upsertJobScheduler(
    id,
    { every, startDate: Date.now() + every },
    { name: 'feed.poll', data: feedPollData(feed), opts: catalog['feed.poll'].options },
  );
  if (opts.pollNow ?? true) {
    await queue.add('feed.poll', feedPollData(feed), {
      ...catalog['feed.poll'].options,
      deduplication: { id: `now-${id}`, ttl: Math.min(every, 60_000) },
    });
  }
}

export async function syncFeedSchedules(
  queues: QueueSet,
  config: Config,
  log: Logger,
  opts: { pollNow?: boolean; added?: FeedConfig[] } = {},
): Promise<void> {
  const queue = queues.get('feed');
  const wanted = new Map([...(opts.added ?? []), ...config.feeds].map((f) => [schedulerId(f.url), f]));
  for (const feed of wanted.values()) await scheduleFeed(queue, config, feed, opts);
  // Feeds removed from the config (and not added at run time) stop being polled.
  const existing = await queue.getJobSchedulers(0, -1);
  for (const scheduler of existing) {
    if (!wanted.has(scheduler.key)) {
      await queue.removeJobScheduler(scheduler.key);
      log.info({ scheduler: scheduler.key }, 'removed schedule of a feed no longer configured');
    }
  }
  log.info({ feeds: wanted.size }, 'feed schedules in place');
}
