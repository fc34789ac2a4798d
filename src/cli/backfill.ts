// `newsflow backfill FEED`: bring a feed's items into the stores now, and watch them get there.
// Fetches the feed once (through the same SSRF guard and limits as the workers), queues every
// item not seen before (or, with --reprocess, every item again), and follows each article's jobs
// through the stages with a progress bar until all are stored or failed. Workers do the work: a
// pipeline must be running (`newsflow start`) against the same Redis.
import type { Job } from 'bullmq';
import { feedId } from '../shared/keys.js';
import { enqueue, next } from '../queues/factory.js';
import type { QueueName } from '../queues/catalog.js';
import { fetchWithConfig } from '../workers/fetch/fetch-options.js';
import { parseOrDiscover } from '../workers/fetch/feed-fetch.js';
import { candidatesOf, rememberItems, triage } from '../workers/fetch/feed-dedup.js';
import { clearFinishedDownstream } from '../workers/fetch/feed.worker.js';
import { configuredSinks } from '../workers/classify/classify.worker.js';
import type { OpsContext } from './context.js';
import { UsageError } from '../shared/errors.js';
import type { FeedItem } from '../workers/fetch/feed-types.js';
import { sourceBody } from '../workers/fetch/sitemap.js';
import { readSitemapSource } from '../workers/fetch/sitemap-source.js';

export interface BackfillOptions {
  reprocess: boolean;
  /** A sitemap's entries dated in this range (ms); none given: every entry, undated ones too. */
  since?: number;
  until?: number;
  /** A sitemap index's children read at most (those whose lastmod is in the range). */
  maxChildren?: number;
  wait: boolean;
  timeoutMs: number;
  /** Progress output (stderr); a TTY gets a redrawn bar, anything else a line every few seconds. */
  progress: NodeJS.WriteStream;
}

export interface BackfillResult {
  queued: number;
  stored: number;
  failed: { id: string; queue: QueueName; reason: string }[];
  pending: number;
}

type Status = { state: 'pending' } | { state: 'stored' } | { state: 'failed'; queue: QueueName; reason: string };

export async function backfill(ctx: OpsContext, feedUrl: string, opts: BackfillOptions): Promise<BackfillResult> {
  const { config, redis, keys, queues } = ctx;
  const maxBytes = Math.max(config.sitemaps.maxBytes, config.network.maxBytes);
  const get = (url: string) => fetchWithConfig(config, url, { accept: 'application/rss+xml, application/atom+xml, application/feed+json, */*;q=0.5', maxBytes });
  const fid = feedId(feedUrl);
  const first = await get(feedUrl);
  let items: FeedItem[];
  let title: string | null = null;
  let base = first.url;
  const body = sourceBody(first, maxBytes);
  const fromSitemap = body.kind === 'sitemap';
  if (body.kind === 'sitemap') {
    const read = await readSitemapSource({
      config,
      redis,
      keys,
      fid,
      root: first,
      requestedUrl: feedUrl,
      fetch: (url) => get(url),
      now: Date.now(),
      range: { since: opts.since ?? Number.NEGATIVE_INFINITY, until: opts.until ?? Number.POSITIVE_INFINITY, undated: opts.since === undefined && opts.until === undefined },
      allChildren: true,
      ...(opts.maxChildren ? { maxChildren: opts.maxChildren } : {}),
    });
    items = read.items;
    title = read.title;
    const st = read.stats;
    opts.progress.write(
      `${feedUrl}: sitemap, ${st.files} file(s), ${st.entries} entries, ${items.length} in range` +
        `${st.childrenOld ? `, ${st.childrenOld} child sitemap(s) older than the range not read` : ''}` +
        `${st.childrenDeferred ? `, ${st.childrenDeferred} child sitemap(s) over --max-children not read` : ''}` +
        `${st.childrenFailed ? `, ${st.childrenFailed} child sitemap(s) could not be read` : ''}\n`,
    );
    for (const w of read.warnings.slice(0, 5)) opts.progress.write(`  ${w}\n`);
  } else {
    if (opts.since !== undefined || opts.until !== undefined) throw new UsageError('--since and --until choose entries of a sitemap; a feed offers what it lists');
    const doc = await parseOrDiscover(body.res, get);
    items = doc.feed.items;
    title = doc.feed.title;
    base = doc.res.url;
  }
  const candidates = candidatesOf(items, base);
  const { fresh } = await triage(redis, keys, fid, candidates, false);
  const chosen = opts.reprocess ? candidates : fresh;
  const stamp = Date.now().toString(36);
  if (opts.reprocess) await clearFinishedDownstream(queues, chosen.map((c) => c.id));
  const discovered = new Date().toISOString();
  const name = config.feeds.find((f) => f.url === feedUrl)?.name ?? title ?? null;
  const jobs = chosen.map((c) =>
    next(
      'article.fetch',
      {
        id: c.id,
        url: c.link,
        feed: { url: feedUrl, name },
        item: {
          title: c.item.title ?? null,
          published: c.item.published ?? null,
          author: c.item.author ?? null,
          guid: c.item.id ?? null,
          ...(c.item.lang ? { lang: c.item.lang } : {}),
        },
        times: { discovered },
      },
      // A reprocessed page job needs an id of its own: `page-<id>` may still be kept as finished.
      opts.reprocess ? { jobId: `page-${c.id}-bf${stamp}` } : undefined,
    ),
  );
  if (jobs.length) await enqueue(queues, jobs);
  const tx = redis.multi();
  // A sitemap's range can hold far more than a feed's memory: remember all of it.
  rememberItems(tx, keys, fid, { fresh, all: candidates, keep: fromSitemap ? Math.max(config.fetch.rememberPerFeed, 1_000_000) : config.fetch.rememberPerFeed, withChanges: false, at: Date.now() });
  await tx.exec();
  opts.progress.write(`${feedUrl}: ${items.length} items, ${chosen.length} queued${opts.reprocess ? ' (reprocess)' : ''}\n`);

  const ids = chosen.map((c) => c.id);
  const pageJobIds = new Map(chosen.map((c) => [c.id, opts.reprocess ? `page-${c.id}-bf${stamp}` : `page-${c.id}`]));
  const statuses = new Map<string, Status>(ids.map((id) => [id, { state: 'pending' }]));
  const sinks = configuredSinks(config);
  const deadline = Date.now() + opts.timeoutMs;
  let lastLine = 0;

  const jobState = async (queue: QueueName, id: string): Promise<{ state: string; job?: Job }> => {
    const job = await queues.get(queue).getJob(id);
    return job ? { state: await job.getState(), job } : { state: 'missing' };
  };

  while (opts.wait) {
    for (const id of ids) {
      if (statuses.get(id)!.state !== 'pending') continue;
      const chain: [QueueName, string][] = [
        ['page', pageJobIds.get(id)!],
        ['extract', `extract-${id}`],
        ['classify', `classify-${id}`],
      ];
      let failed: Status | undefined;
      for (const [queue, jobId] of chain) {
        const { state, job } = await jobState(queue, jobId);
        if (state === 'failed') failed = { state: 'failed', queue, reason: job?.failedReason ?? 'failed' };
        if (failed || state !== 'completed') break;
      }
      if (failed) {
        statuses.set(id, failed);
        continue;
      }
      const stores = await Promise.all(sinks.map((sink) => jobState('store', `store-${sink}-${id}`)));
      const storeFailed = stores.find((s) => s.state === 'failed');
      if (storeFailed) statuses.set(id, { state: 'failed', queue: 'store', reason: storeFailed.job?.failedReason ?? 'failed' });
      else if (stores.length && stores.every((s) => s.state === 'completed')) statuses.set(id, { state: 'stored' });
    }
    const counts = tally(statuses);
    const done = counts.pending === 0;
    if (opts.progress.isTTY) {
      opts.progress.write(`\r${bar(counts, ids.length)}`);
    } else if (done || Date.now() - lastLine > 5000) {
      opts.progress.write(`${bar(counts, ids.length)}\n`);
      lastLine = Date.now();
    }
    if (done || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (opts.wait && opts.progress.isTTY) opts.progress.write('\n');

  const counts = tally(statuses);
  const failed = [...statuses].flatMap(([id, s]) => (s.state === 'failed' ? [{ id, queue: s.queue, reason: s.reason }] : []));
  return { queued: jobs.length, stored: counts.stored, failed, pending: opts.wait ? counts.pending : jobs.length };
}

function tally(statuses: Map<string, Status>) {
  const counts = { stored: 0, failed: 0, pending: 0 };
  for (const s of statuses.values()) counts[s.state] += 1;
  return counts;
}

export function bar(counts: { stored: number; failed: number; pending: number }, total: number, width = 30): string {
  const filled = total ? Math.round(((counts.stored + counts.failed) / total) * width) : width;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counts.stored + counts.failed}/${total} done: ${counts.stored} stored, ${counts.failed} failed`;
}
