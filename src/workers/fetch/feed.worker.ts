// feed.poll: fetch one feed with a conditional GET, parse it, and enqueue each item never seen
// before, exactly once. An item is remembered by its GUID and its canonical URL (either one seen
// means seen), in a per-feed sorted set bounded to the newest `fetch.rememberPerFeed` items, so
// dedup survives job removal and restarts. Items are remembered only after their jobs are queued:
// a crash in between re-queues them, and deterministic job ids keep that harmless.
import { articleId, canonicalUrl, resolveUrl } from '../../shared/url.js';
import { errorMessage } from '../../shared/errors.js';
import { feedId } from '../../shared/keys.js';
import { next, type NextJob } from '../../queues/factory.js';
import type { Handler } from '../runner.js';
import type { PipelineDeps } from '../context.js';
import { parseFeed } from './feed-parse.js';
import { fetchWithConfig } from './fetch-options.js';

export function feedPollHandler(deps: PipelineDeps): Handler<'feed.poll'> {
  const { redis, keys, config } = deps;
  const now = deps.now ?? (() => new Date());

  return async ({ feedUrl, name }, { log, enqueue }) => {
    const fid = feedId(feedUrl);
    const stateKey = keys.feedState(fid);
    const state = await redis.hgetall(stateKey);
    const startedAt = now().toISOString();
    await redis.sadd(keys.feedIndex(), fid);

    let res;
    try {
      res = await fetchWithConfig(config, feedUrl, {
        ifNoneMatch: state.etag || undefined,
        ifModifiedSince: state.lastModified || undefined,
        accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5',
      });
    } catch (err) {
      await recordFailure(deps, stateKey, feedUrl, name, err);
      throw err;
    }

    if (res.status === 304) {
      await redis.hset(stateKey, { url: feedUrl, lastPoll: startedAt, lastSuccess: startedAt, failures: 0, lastStatus: 304 });
      log.debug({ feedUrl }, 'feed not modified');
      return;
    }

    let feed;
    try {
      feed = parseFeed(res.text ?? res.body.toString('utf8'), { url: res.url });
    } catch (err) {
      await recordFailure(deps, stateKey, feedUrl, name, err);
      throw err;
    }

    const seenKey = keys.seen(fid);
    const candidates = [];
    for (const item of feed.items) {
      const link = item.link ? resolveUrl(item.link, res.url) : null;
      if (!link) continue;
      const canonical = canonicalUrl(link);
      const members = [`u:${canonical}`];
      if (item.id) members.push(`g:${item.id}`);
      candidates.push({ item, link, canonical, members });
    }

    const scores = candidates.length
      ? await redis.zmscore(seenKey, ...candidates.flatMap((c) => c.members))
      : [];
    let offset = 0;
    const fresh: typeof candidates = [];
    const batchIds = new Set<string>();
    for (const c of candidates) {
      const seen = c.members.some((_, i) => scores[offset + i] !== null);
      offset += c.members.length;
      const id = articleId(c.canonical);
      if (!seen && !batchIds.has(id)) {
        fresh.push(c);
        batchIds.add(id);
      }
    }

    const discovered = now().toISOString();
    const jobs: NextJob[] = fresh.map((c) =>
      next('article.fetch', {
        id: articleId(c.canonical),
        url: c.link,
        feed: { url: feedUrl, name: name ?? feed.title ?? null },
        item: {
          title: c.item.title ?? null,
          published: c.item.published ?? null,
          author: c.item.author ?? null,
          guid: c.item.id ?? null,
        },
        times: { discovered },
      }),
    );
    if (jobs.length) await enqueue(jobs);

    const stamp = Date.now();
    const tx = redis.multi();
    if (fresh.length) {
      tx.zadd(seenKey, ...fresh.flatMap((c) => c.members.flatMap((m) => [stamp, m])));
      // Keep the newest N items (two members per item at most).
      tx.zremrangebyrank(seenKey, 0, -(config.fetch.rememberPerFeed * 2 + 1));
    }
    tx.hset(stateKey, {
      url: feedUrl,
      name: name ?? feed.title ?? '',
      title: feed.title ?? '',
      lastPoll: startedAt,
      lastSuccess: startedAt,
      lastStatus: res.status,
      failures: 0,
      lastError: '',
      etag: res.etag ?? '',
      lastModified: res.lastModified ?? '',
    });
    tx.hincrby(stateKey, 'itemsQueued', fresh.length);
    await tx.exec();
    log.info({ feedUrl, items: feed.items.length, queued: fresh.length }, 'feed polled');
  };
}

async function recordFailure(
  deps: PipelineDeps,
  stateKey: string,
  feedUrl: string,
  name: string | null,
  err: unknown,
): Promise<void> {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  await deps.redis
    .multi()
    .hset(stateKey, { url: feedUrl, name: name ?? '', lastPoll: at, lastError: errorMessage(err), lastErrorAt: at })
    .hincrby(stateKey, 'failures', 1)
    .exec();
}
