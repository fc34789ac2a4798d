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
import { adaptiveInterval, dueSlack, failureBackoff, freshnessFloor, jitter } from './poll-schedule.js';

const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5';

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

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
      await pollFeed(deps, gate, ctx, { feedUrl, name, fid, state, fixed, startedAt });
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
}

async function pollFeed(deps: PipelineDeps, gate: ReturnType<typeof hostGateFor>, ctx: JobContext, p: PollInput): Promise<void> {
  const { redis, keys, config } = deps;
  const { log } = ctx;
  const stateKey = keys.feedState(p.fid);
  // A feed found through its site's page is polled at the feed's URL from then on.
  const target = p.state.discoveredUrl || p.feedUrl;
  const get = (url: string, conditional: boolean) =>
    gate.run(url, ctx, () =>
      fetchWithConfig(config, url, {
        accept: FEED_ACCEPT,
        ...(conditional ? { ifNoneMatch: p.state.etag || undefined, ifModifiedSince: p.state.lastModified || undefined } : {}),
      }),
    );

  let first;
  try {
    first = await get(target, true);
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
    await redis.hset(stateKey, { ...success, lastStatus: 304, nextPoll: nextPollAfter(deps, p, interval, freshnessFloor({ headers: first.headers }, Date.now())) });
    log.debug({ feedUrl: p.feedUrl }, 'feed not modified');
    return;
  }

  const doc = await parseOrDiscover(first, (url) => get(url, false));
  if (doc.discoveredUrl) log.info({ feedUrl: p.feedUrl, discovered: doc.discoveredUrl }, 'feed URL is a page: polling the feed it links to');
  const { feed, res } = doc;

  const withChanges = config.fetch.reprocessChanged;
  const candidates = candidatesOf(feed.items, res.url);
  const { fresh, changed } = await triage(redis, keys, p.fid, candidates, withChanges);
  const discovered = now(deps).toISOString();
  const feedRef = { url: p.feedUrl, name: p.name ?? feed.title ?? null };
  const toJob = (c: Candidate, opts?: { jobId: string }): NextJob =>
    next(
      'article.fetch',
      {
        id: c.id,
        url: c.link,
        feed: feedRef,
        item: { title: c.item.title ?? null, published: c.item.published ?? null, author: c.item.author ?? null, guid: c.item.id ?? null },
        times: { discovered },
      },
      opts,
    );
  if (changed.length) await clearFinishedDownstream(deps.queues, changed.map((c) => c.id));
  // A changed item's page job id carries its content hash, so it runs although `page-<id>` ran.
  const jobs = [...fresh.map((c) => toJob(c)), ...changed.map((c) => toJob(c, { jobId: `page-${c.id}-${c.hash}` }))];
  if (jobs.length) await ctx.enqueue(jobs);

  const interval = p.fixed ?? adaptiveInterval(feed.items.map((i) => i.published), p.startedAt.getTime(), {
    minMs: config.fetch.minInterval,
    maxMs: config.fetch.maxInterval,
    fallbackMs: config.fetch.interval,
  });
  const floor = freshnessFloor({ ttlMinutes: feed.ttl, headers: res.headers }, Date.now());
  const tx = redis.multi();
  rememberItems(tx, keys, p.fid, { fresh, all: candidates, keep: config.fetch.rememberPerFeed, withChanges, at: Date.now() });
  tx.hset(stateKey, {
    ...success,
    name: p.name ?? feed.title ?? '',
    title: feed.title ?? '',
    lastStatus: res.status,
    etag: res.etag ?? '',
    lastModified: res.lastModified ?? '',
    interval,
    nextPoll: nextPollAfter(deps, p, interval, floor),
    ...(doc.discoveredUrl ? { discoveredUrl: doc.discoveredUrl } : {}),
  });
  tx.hincrby(stateKey, 'itemsQueued', fresh.length);
  if (changed.length) tx.hincrby(stateKey, 'itemsReprocessed', changed.length);
  await tx.exec();
  log.info({ feedUrl: p.feedUrl, items: feed.items.length, queued: fresh.length, changed: changed.length, nextInMs: interval }, 'feed polled');
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
