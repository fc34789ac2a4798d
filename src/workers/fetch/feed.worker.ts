// feed.poll: fetch one feed with a conditional GET, parse it, and enqueue each item never seen
// before, exactly once (see feed-dedup.ts). Items are remembered only after their jobs are queued:
// a crash in between re-queues them, and deterministic job ids keep that harmless.
//
// When to poll is decided here, not by the scheduler: the scheduler ticks every
// fetch.minInterval (or the feed's own `interval`), and a poll whose feed is not yet due
// (`nextPoll` in the feed's state) returns at once without a request. After a success nextPoll
// is the adaptive interval (poll-schedule.ts) with jitter, never sooner than the server's ttl /
// max-age / Expires; after a failure it backs off exponentially up to fetch.maxBackoff. One
// process polls a feed at a time (a short lock; a job that finds it held retries once it runs
// out, so a poller killed mid-poll delays its feed, never skips it), and requests wait their
// turn at the host gate.
import { randomBytes } from 'node:crypto';
import { DelayedError } from 'bullmq';
import { errorMessage, PermanentError, RetryableError } from '../../shared/errors.js';
import { feedId } from '../../shared/keys.js';
import { next, type NextJob, type QueueSet } from '../../queues/factory.js';
import { SINK_NAMES } from '../../queues/catalog.js';
import type { Handler, JobContext } from '../runner.js';
import type { PipelineDeps } from '../context.js';
import { fetchWithConfig, hostGateFor } from './fetch-options.js';
import { parseOrDiscover } from './feed-fetch.js';
import { candidatesOf, rememberItems, triage, type Candidate } from './feed-dedup.js';
import type { FeedItem } from './feed-types.js';
import type { HttpResponse } from '../../shared/http.js';
import { sourceBody } from './sitemap.js';
import { readSitemapSource, rememberSitemapRead, touchSitemapRoot, type SitemapRead } from './sitemap-source.js';
import { adaptiveInterval, dueSlack, failureBackoff, freshnessFloor, jitter } from './poll-schedule.js';

const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5';

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** Items a sitemap source remembers at most (its memory is otherwise bounded by sitemaps.maxAge). */
const SITEMAP_REMEMBER_MAX = 1_000_000;

/** URLs named like sitemaps get sitemaps' byte cap on their first poll (detection is by content). */
const SITEMAP_NAME = /sitemap|\.xml\.gz(?:$|\?)/i;

/** The feed's own `interval` (config or `feeds add`), which fixes its schedule; null when adaptive. */
async function fixedInterval(deps: PipelineDeps, feedUrl: string, fid: string): Promise<number | null> {
  const fromConfig = deps.config.feeds.find((f) => f.url === feedUrl);
  if (fromConfig) return fromConfig.interval ?? null;
  const added = await deps.redis.hget(deps.keys.feedRegistry(), fid);
  return added ? ((JSON.parse(added) as { interval?: number }).interval ?? null) : null;
}

export function feedPollHandler(deps: PipelineDeps): Handler<'feed.poll'> {
  const { redis, keys, config } = deps;
  const now = deps.now ?? (() => new Date());
  const gate = hostGateFor(deps);

  return async ({ feedUrl, name }, ctx) => {
    const { log } = ctx;
    const fid = feedId(feedUrl);
    const stateKey = keys.feedState(fid);
    const state = await redis.hgetall(stateKey);
    const fixed = await fixedInterval(deps, feedUrl, fid);
    const startedAt = now();
    const due = state.nextPoll ? Date.parse(state.nextPoll) : 0;
    if (due - startedAt.getTime() > dueSlack(fixed ?? config.fetch.minInterval)) {
      log.debug({ feedUrl, nextPoll: state.nextPoll, failures: Number(state.failures ?? 0) }, 'feed not due yet: skipped');
      return;
    }
    const lockKey = keys.feedLock(fid);
    const token = randomBytes(8).toString('hex');
    if (!(await redis.set(lockKey, token, 'PX', 3 * config.network.timeout + 10_000, 'NX'))) {
      // The holder may be a live poll or a process killed mid-poll, whose items were never
      // queued. Inside a worker, come back when its lock has run out: by then a live poll has
      // set nextPoll (and this job returns as not due), and a dead one's feed gets polled.
      if (ctx.token) {
        const left = Math.max(0, await redis.pttl(lockKey));
        await ctx.job.moveToDelayed(Date.now() + left + 250, ctx.token);
        throw new DelayedError(`feed is being polled by another job: retrying in ${left + 250} ms`);
      }
      log.debug({ feedUrl }, 'feed is being polled by another job: skipped');
      return;
    }
    await redis.sadd(keys.feedIndex(), fid);
    try {
      const lockMs = 3 * config.network.timeout + 10_000;
      const renewLock = async () => {
        await redis.eval(RENEW, 1, lockKey, token, lockMs).catch(() => {});
      };
      await pollFeed(deps, gate, ctx, { feedUrl, name, fid, state, fixed, startedAt, renewLock });
    } catch (err) {
      if (!(err instanceof DelayedError)) await recordFailure(deps, { feedUrl, name, fid, state, fixed, startedAt }, err);
      throw err;
    } finally {
      await redis.eval(UNLOCK, 1, lockKey, token).catch(() => {});
    }
  };
}

interface PollInput {
  feedUrl: string;
  name: string | null;
  fid: string;
  state: Record<string, string>;
  fixed: number | null;
  startedAt: Date;
  /** Extend this poll's lock (held while a sitemap index's children are read). */
  renewLock?: () => Promise<void>;
}

/** What one poll read, from a feed or a sitemap: the items on offer and what the state keeps. */
interface SourceDocument {
  kind: 'feed' | 'sitemap';
  items: FeedItem[];
  title: string | null;
  /** Dates the adaptive interval learns from. */
  dates: (string | null)[];
  ttl?: number;
  res: HttpResponse;
  discoveredUrl: string | null;
  sitemap?: SitemapRead;
}

async function pollFeed(deps: PipelineDeps, gate: ReturnType<typeof hostGateFor>, ctx: JobContext, p: PollInput): Promise<void> {
  const { redis, keys, config } = deps;
  const { log } = ctx;
  const stateKey = keys.feedState(p.fid);
  // A feed found through its site's page is polled at the feed's URL from then on.
  const target = p.state.discoveredUrl || p.feedUrl;
  // A source known to be a sitemap (or named like one) may be as large as sitemaps allow.
  const sitemapCap = Math.max(config.sitemaps.maxBytes, config.network.maxBytes);
  let maxBytes = p.state.kind === 'sitemap' || SITEMAP_NAME.test(target) ? sitemapCap : undefined;
  // The first request of a poll may give its turn back (the job waits in the delayed set); the
  // children of a sitemap index wait in place for their host's turn instead, so a poll that has
  // read the index is never thrown away half done.
  const get = (url: string, cond: { etag?: string | null; lastModified?: string | null } | null, inline = false) =>
    gate.run(url, inline ? undefined : ctx, async () => {
      const res = await fetchWithConfig(config, url, {
        accept: FEED_ACCEPT,
        ...(maxBytes ? { maxBytes } : {}),
        ...(cond ? { ifNoneMatch: cond.etag || undefined, ifModifiedSince: cond.lastModified || undefined } : {}),
      });
      // An index's children are read one after another: keep this poll's lock while they come.
      await p.renewLock?.();
      return res;
    });

  let first;
  try {
    // A sitemap whose last poll left children unread (over the cap, or failed) is asked for in
    // full: an unchanged index must not keep them waiting until it changes.
    const pending = Number(p.state.sitemapPending ?? 0) > 0;
    const cond = pending ? null : { etag: p.state.etag, lastModified: p.state.lastModified };
    try {
      first = await get(target, cond);
    } catch (err) {
      // Over the feed cap, and not known as a sitemap: a big sitemap behind an ordinary name is
      // fetched once more under the sitemap cap, and kept only if it is one.
      if (!(err instanceof PermanentError && err.code === 'too_large') || maxBytes) throw err;
      maxBytes = sitemapCap;
      const again = await get(target, cond);
      if (again.status !== 304 && sourceBody(again, sitemapCap).kind !== 'sitemap') throw err;
      first = again;
    }
  } catch (err) {
    // The remembered feed is gone: look for it again from the configured URL next time.
    if (err instanceof PermanentError && target !== p.feedUrl) await redis.hdel(stateKey, 'discoveredUrl');
    throw err;
  }
  const startedAtIso = p.startedAt.toISOString();
  const success = {
    url: p.feedUrl,
    lastPoll: startedAtIso,
    lastSuccess: startedAtIso,
    failures: 0,
    lastError: '',
    lastErrorCode: '',
  };
  if (first.status === 304) {
    const interval = p.fixed ?? (Number(p.state.interval) || config.fetch.interval);
    const tx = redis.multi();
    tx.hset(stateKey, { ...success, lastStatus: 304, nextPoll: nextPollAfter(deps, p, interval, freshnessFloor({ headers: first.headers }, Date.now())) });
    if (p.state.kind === 'sitemap') touchSitemapRoot(tx, keys, p.fid, target);
    await tx.exec();
    log.debug({ feedUrl: p.feedUrl }, 'feed not modified');
    return;
  }

  let doc: SourceDocument;
  const body = sourceBody(first, Math.max(config.sitemaps.maxBytes, config.network.maxBytes));
  if (body.kind === 'sitemap') {
    const sitemap = await readSitemapSource({
      config,
      redis,
      keys,
      fid: p.fid,
      root: first,
      requestedUrl: target,
      polledBefore: p.state.kind === 'sitemap' && Boolean(p.state.lastSuccess),
      fetch: async (url, cond) => {
        await p.renewLock?.();
        return get(url, cond, true);
      },
      now: p.startedAt.getTime(),
    });
    doc = { kind: 'sitemap', items: sitemap.items, title: sitemap.title, dates: sitemap.dates, res: first, discoveredUrl: null, sitemap };
  } else {
    const parsed = await parseOrDiscover(body.res, (url) => get(url, null));
    if (parsed.discoveredUrl) log.info({ feedUrl: p.feedUrl, discovered: parsed.discoveredUrl }, 'feed URL is a page: polling the feed it links to');
    const { feed, res } = parsed;
    doc = { kind: 'feed', items: feed.items, title: feed.title, dates: feed.items.map((i) => i.published), ...(feed.ttl ? { ttl: feed.ttl } : {}), res, discoveredUrl: parsed.discoveredUrl };
  }
  const { res } = doc;

  const withChanges = config.fetch.reprocessChanged && doc.kind === 'feed';
  const candidates = candidatesOf(doc.items, res.url);
  const { fresh, changed } = await triage(redis, keys, p.fid, candidates, withChanges);
  const discovered = now(deps).toISOString();
  const feedRef = { url: p.feedUrl, name: p.name ?? doc.title ?? null };
  const toJob = (c: Candidate, opts?: { jobId: string }): NextJob =>
    next(
      'article.fetch',
      {
        id: c.id,
        url: c.link,
        feed: feedRef,
        item: {
          title: c.item.title ?? null,
          published: c.item.published ?? null,
          author: c.item.author ?? null,
          guid: c.item.id ?? null,
          ...(c.item.lang ? { lang: c.item.lang } : {}),
          ...(doc.kind === 'sitemap' && c.item.categories?.length ? { keywords: c.item.categories } : {}),
        },
        times: { discovered },
      },
      opts,
    );
  if (changed.length) await clearFinishedDownstream(deps.queues, changed.map((c) => c.id));
  // A changed item's page job id carries its content hash, so it runs although `page-<id>` ran.
  const jobs = [...fresh.map((c) => toJob(c)), ...changed.map((c) => toJob(c, { jobId: `page-${c.id}-${c.hash}` }))];
  if (jobs.length) await ctx.enqueue(jobs);

  const interval = p.fixed ?? adaptiveInterval(doc.dates, p.startedAt.getTime(), {
    minMs: config.fetch.minInterval,
    maxMs: config.fetch.maxInterval,
    fallbackMs: config.fetch.interval,
  });
  const floor = freshnessFloor({ ttlMinutes: doc.ttl, headers: res.headers }, Date.now());
  const tx = redis.multi();
  // A sitemap's entries stay offered for sitemaps.maxAge: remember them a day longer than that,
  // however many (up to a million items), instead of the newest fetch.rememberPerFeed.
  const sitemapMemory = doc.kind === 'sitemap' ? { keep: Math.max(config.fetch.rememberPerFeed, SITEMAP_REMEMBER_MAX), forgetBefore: Date.now() - config.sitemaps.maxAge - 86_400_000 } : null;
  rememberItems(tx, keys, p.fid, { fresh, all: candidates, keep: sitemapMemory?.keep ?? config.fetch.rememberPerFeed, withChanges, at: Date.now(), ...(sitemapMemory ? { forgetBefore: sitemapMemory.forgetBefore } : {}) });
  if (doc.sitemap) rememberSitemapRead(tx, keys, p.fid, doc.sitemap);
  tx.hset(stateKey, {
    ...success,
    kind: doc.kind,
    name: p.name ?? doc.title ?? '',
    title: doc.title ?? '',
    lastStatus: res.status,
    etag: res.etag ?? '',
    lastModified: res.lastModified ?? '',
    interval,
    nextPoll: nextPollAfter(deps, p, interval, floor),
    lastWarning: doc.sitemap?.warnings.slice(0, 3).join('; ') ?? '',
    sitemapPending: doc.sitemap?.pending ?? 0,
    ...(doc.discoveredUrl ? { discoveredUrl: doc.discoveredUrl } : {}),
  });
  tx.hincrby(stateKey, 'itemsQueued', fresh.length);
  if (changed.length) tx.hincrby(stateKey, 'itemsReprocessed', changed.length);
  await tx.exec();
  if (doc.sitemap) {
    log.info({ feedUrl: p.feedUrl, ...doc.sitemap.stats, queued: fresh.length, nextInMs: interval }, 'sitemap polled');
  } else {
    log.info({ feedUrl: p.feedUrl, items: doc.items.length, queued: fresh.length, changed: changed.length, nextInMs: interval }, 'feed polled');
  }
}

const now = (deps: PipelineDeps) => (deps.now ?? (() => new Date()))();

/**
 * When the next poll may happen. A fixed-interval feed is ticked by its scheduler at exactly its
 * interval, so only the server's floor can push it later; an adaptive feed waits its interval
 * with ±10% jitter. Capped at fetch.maxBackoff, so a wild Expires never parks a feed for a year.
 */
function nextPollAfter(deps: PipelineDeps, p: PollInput, interval: number, floor: number): string {
  const wait = p.fixed ? floor : Math.max(jitter(interval), floor);
  return new Date(p.startedAt.getTime() + Math.min(wait, deps.config.fetch.maxBackoff)).toISOString();
}

/** A failed poll: count it, keep the reason, and back off (never giving up, never past maxBackoff). */
async function recordFailure(deps: PipelineDeps, p: PollInput, err: unknown): Promise<void> {
  const { config, redis, keys } = deps;
  const stateKey = keys.feedState(p.fid);
  const at = now(deps).toISOString();
  const failures = await redis.hincrby(stateKey, 'failures', 1);
  const base = p.fixed ?? (Number(p.state.interval) || config.fetch.interval);
  const retryAfter = err instanceof RetryableError ? (err.retryAfterMs ?? 0) : 0;
  const wait = Math.min(config.fetch.maxBackoff, Math.max(failureBackoff(failures, base, config.fetch.maxBackoff), retryAfter));
  const code = err instanceof PermanentError || err instanceof RetryableError ? err.code : 'error';
  await redis.hset(stateKey, {
    url: p.feedUrl,
    name: p.name ?? '',
    lastPoll: at,
    lastError: errorMessage(err),
    lastErrorCode: code,
    lastErrorAt: at,
    nextPoll: new Date(p.startedAt.getTime() + wait).toISOString(),
  });
}

/**
 * Downstream job ids are deterministic per article (`extract-<id>`, …), so a reprocessed item
 * would stop at the first stage whose finished job is still kept. Removing those jobs (an active
 * one is locked and stays) lets the new version run through; the sinks upsert by article id.
 */
export async function clearFinishedDownstream(queues: QueueSet, ids: string[]): Promise<void> {
  const removals: Promise<unknown>[] = [];
  for (const id of ids) {
    removals.push(queues.get('extract').remove(`extract-${id}`));
    removals.push(queues.get('classify').remove(`classify-${id}`));
    for (const sink of SINK_NAMES) removals.push(queues.get('store').remove(`store-${sink}-${id}`));
  }
  await Promise.all(removals.map((r) => r.catch(() => 0)));
}
