// Feed schedules: one BullMQ job scheduler per feed (upsertJobScheduler is idempotent, so any
// number of containers may sync at once), plus one immediate poll per feed at start-up,
// deduplicated so that several processes starting together poll once.
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

export async function syncFeedSchedules(
  queues: QueueSet,
  config: Config,
  log: Logger,
  opts: { pollNow?: boolean; added?: FeedConfig[] } = {},
): Promise<void> {
  const queue = queues.get('feed');
  const wanted = new Map([...(opts.added ?? []), ...config.feeds].map((f) => [schedulerId(f.url), f]));
  for (const [id, feed] of wanted) {
    const every = feed.interval ?? config.fetch.interval;
    await queue.upsertJobScheduler(
      id,
      { every },
      { name: 'feed.poll', data: feedPollData(feed), opts: catalog['feed.poll'].options },
    );
    if (opts.pollNow ?? true) {
      await queue.add('feed.poll', feedPollData(feed), {
        ...catalog['feed.poll'].options,
        deduplication: { id: `now-${id}`, ttl: Math.min(every, 60_000) },
      });
    }
  }
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
