// Operating a running pipeline from the shell: status, dead letters, feeds, export.
// Each command connects to the configured Redis as a producer (fails fast when it is away).
import type { Command } from 'commander';
import type { Job, Queue } from 'bullmq';
import { loadConfig } from '../shared/config.js';
import { QUEUE_NAMES, type QueueName } from '../queues/catalog.js';
import type { QueueSet } from '../queues/factory.js';
import { hintPrefix, withOps } from './context.js';
import { UsageError } from '../shared/errors.js';
import { donePerMinute } from '../queues/throughput.js';
import { feedHealth } from '../workers/fetch/feeds-registry.js';
import { registerFeedsCommands } from './feeds.commands.js';
import { exportArticles } from '../workers/store/export.js';
import { getStory, listStories } from '../workers/classify/story-list.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const json = (value: unknown) => out(JSON.stringify(value, null, 2));

/** An ISO-8601 date or time as ms; a bare date as its first (or, for an end, last) millisecond, UTC. */
function dateOption(flag: string, value: string, end: boolean): number {
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const t = Date.parse(bare ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new UsageError(`${flag}: not a date: ${value} (use e.g. 2026-11-01 or 2026-11-01T12:00:00Z)`);
  return bare && end ? t + 86_400_000 - 1 : t;
}

function queueOption(value: string | undefined): QueueName[] {
  if (!value) return QUEUE_NAMES;
  if (!(QUEUE_NAMES as string[]).includes(value)) {
    throw new Error(`unknown queue "${value}" (queues: ${QUEUE_NAMES.join(', ')})`);
  }
  return [value as QueueName];
}

async function findJob(queues: QueueSet, id: string, only?: string): Promise<Job | undefined> {
  for (const name of queueOption(only)) {
    const job = await queues.get(name).getJob(id);
    if (job) return job;
  }
  return undefined;
}

export function registerOpsCommands(program: Command): void {
  program
    .command('status')
    .description('queue counts, throughput of the last minutes, failing feeds')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOps(program, async (ctx) => {
        const { config, redis, queues, keys } = ctx;
        const stages = [];
        for (const name of QUEUE_NAMES) {
          const queue = queues.get(name);
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
          const done = await queue.getMetrics('completed', 0, 14);
          const failed = await queue.getMetrics('failed', 0, 14);
          const perMinute = (m: { data: number[] }) => m.data.reduce((a, b) => a + b, 0) / Math.max(1, m.data.length);
          const c = (k: string) => counts[k] ?? 0;
          stages.push({
            queue: name,
            waiting: c('waiting') + c('prioritized'),
            active: c('active'),
            delayed: c('delayed'),
            failed: c('failed'),
            completed: c('completed'),
            donePerMin: await donePerMinute(redis, keys, name),
            completedPerMin: perMinute(done),
            failedPerMin: perMinute(failed),
          });
        }
        const feeds = await feedHealth(redis, keys, queues, config);
        const failing = feeds.filter((f) => f.failures > 0);
        await hintPrefix(ctx);
        if (opts.json) return json({ stages, feeds: { total: feeds.length, failing } });
        out('queue      waiting  active  delayed  failed  completed  done/min  avg/min (15 min)');
        for (const s of stages) {
          out(
            `${s.queue.padEnd(10)} ${String(s.waiting).padStart(7)} ${String(s.active).padStart(7)} ` +
              `${String(s.delayed).padStart(8)} ${String(s.failed).padStart(7)} ${String(s.completed).padStart(10)} ` +
              `${s.donePerMin.toFixed(1).padStart(9)} ${s.completedPerMin.toFixed(1).padStart(9)}`,
          );
        }
        out();
        out(`feeds: ${feeds.length}, failing: ${failing.length}`);
        for (const f of failing) out(`  ${f.url}  ${f.failures} failures: ${f.lastError ?? ''}`);
      });
    });

  const failed = program.command('failed').description('dead letters: jobs that failed for good, with their reasons');
  failed
    .command('list')
    .description('jobs that failed for good, newest first, with queue, attempts, URL and reason')
    .option('-q, --queue <queue>', 'only this queue')
    .option('-n, --limit <n>', 'at most this many per queue', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { queue?: string; limit: string; json?: boolean }) => {
      await withOps(program, async (ctx) => {
        const { queues } = ctx;
        const rows = [];
        for (const name of queueOption(opts.queue)) {
          for (const job of await queues.get(name).getFailed(0, Number(opts.limit) - 1)) {
            rows.push({ queue: name, id: job.id, job: job.name, attempts: job.attemptsMade, failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null, reason: job.failedReason, url: (job.data as { url?: string }).url });
          }
        }
        if (!rows.length) await hintPrefix(ctx);
        if (opts.json) return json(rows);
        if (!rows.length) return out('no failed jobs');
        for (const r of rows) out(`${r.queue}/${r.id}  ${r.job}  x${r.attempts}  ${r.url ?? ''}\n    ${r.reason}`);
      });
    });
  failed
    .command('show')
    .description('one failed job in full: reason, stack trace, payload')
    .argument('<id>', 'job id')
    .option('-q, --queue <queue>', 'only this queue')
    .action(async (id: string, opts: { queue?: string }) => {
      await withOps(program, async ({ queues }) => {
        const job = await findJob(queues, id, opts.queue);
        if (!job) throw new Error(`no job ${id}`);
        json({ queue: job.queueName, id: job.id, name: job.name, attempts: job.attemptsMade, reason: job.failedReason, stacktrace: job.stacktrace, data: job.data });
      });
    });
  // retry and drop: one job by id, or every failed job of the chosen queues.
  const onFailed = (
    verb: string,
    one: (job: Job) => Promise<unknown>,
    all: (queue: Queue) => Promise<number>,
  ) =>
    failed
      .command(verb)
      .description(verb === 'retry' ? 'run failed jobs again (one by id, or all of them)' : 'delete failed jobs (one by id, or all of them)')
      .argument('[id]', 'job id (default: every failed job)')
      .option('-q, --queue <queue>', 'only this queue')
      .action(async (id: string | undefined, opts: { queue?: string }) => {
        await withOps(program, async ({ queues }) => {
          if (id) {
            const job = await findJob(queues, id, opts.queue);
            if (!job) throw new Error(`no job ${id}`);
            await one(job);
            return out(`${verb === 'retry' ? 'retrying' : 'dropped'} ${job.queueName}/${job.id}`);
          }
          for (const name of queueOption(opts.queue)) out(`${name}: ${verb === 'retry' ? 'retrying' : 'dropped'} ${await all(queues.get(name))}`);
        });
      });
  onFailed(
    'retry',
    (job) => job.retry('failed'),
    async (queue) => {
      const n = (await queue.getJobCounts('failed')).failed ?? 0;
      await queue.retryJobs({ state: 'failed', count: 1000 });
      return n;
    },
  );
  onFailed(
    'drop',
    (job) => job.remove(),
    async (queue) => (await queue.clean(0, 100_000, 'failed')).length,
  );

  registerFeedsCommands(program);

  program
    .command('backfill')
    .description('fetch a feed or sitemap now, queue its items (a sitemap\'s in a date range; all again with --reprocess) and show their progress until stored')
    .argument('<url>', 'feed or sitemap URL (a site page that links to its feed works too)')
    .option('--since <date>', 'sitemaps: entries dated on or after this (ISO-8601 date or time)')
    .option('--until <date>', 'sitemaps: entries dated on or before this (a date alone means the end of that day)')
    .option('--max-children <n>', 'sitemap indexes: read at most this many child sitemaps (those in the range)', '1000')
    .option('--reprocess', 'queue every item again, even those already stored')
    .option('--no-wait', 'queue and return without waiting')
    .option('--timeout <duration>', 'stop waiting after this long', '10m')
    .action(async (feedUrl: string, opts: { since?: string; until?: string; maxChildren: string; reprocess?: boolean; wait: boolean; timeout: string }) => {
      const { parseDuration } = await import('../shared/config.js');
      const { backfill } = await import('./backfill.js');
      const since = opts.since !== undefined ? dateOption('--since', opts.since, false) : undefined;
      const until = opts.until !== undefined ? dateOption('--until', opts.until, true) : undefined;
      const maxChildren = Number(opts.maxChildren);
      if (!Number.isInteger(maxChildren) || maxChildren < 1) throw new UsageError(`--max-children: not a positive whole number: ${opts.maxChildren}`);
      await withOps(program, async (ctx) => {
        const result = await backfill(ctx, feedUrl, {
          reprocess: Boolean(opts.reprocess),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          maxChildren,
          wait: opts.wait,
          timeoutMs: parseDuration(opts.timeout),
          progress: process.stderr,
        });
        for (const f of result.failed) out(`failed ${f.id} in ${f.queue}: ${f.reason}`);
        out(`queued ${result.queued}, stored ${result.stored}, failed ${result.failed.length}, pending ${result.pending}`);
        if (result.failed.length || (opts.wait && result.pending)) process.exitCode = 1;
      });
    });

  const stories = program.command('stories').description('stories: articles from several outlets about one event');
  stories
    .command('list')
    .description('the latest stories: size, title, outlets, topics, time span')
    .option('-n, --limit <n>', 'how many, newest first', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; json?: boolean }) => {
      await withOps(program, async (ctx) => {
        const rows = await listStories(ctx.redis, ctx.keys.stories(), Number(opts.limit));
        if (!rows.length) await hintPrefix(ctx);
        if (opts.json) return json(rows);
        if (!rows.length) return out('no stories yet');
        for (const s of rows) {
          const copies = s.copies ? ` (${s.copies} ${s.copies === 1 ? 'copy' : 'copies'})` : '';
          out(`${s.id}  ${s.size} article(s)${copies}  ${s.title}\n    outlets: ${s.outlets.join(', ')}; topics: ${s.topics.join(', ')}; published ${s.firstSeen ?? '-'} to ${s.lastSeen ?? '-'}`);
        }
      });
    });
  stories
    .command('show')
    .description('one story with every article in it')
    .argument('<id>', 'story id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withOps(program, async ({ redis, keys }) => {
        const story = await getStory(redis, keys.stories(), id);
        if (!story) throw new Error(`no story ${id} (unknown, or older than the story retention)`);
        if (opts.json) return json(story);
        out(`${story.id}: ${story.title}`);
        out(`outlets: ${story.outlets.join(', ')}; topics: ${story.topics.join(', ')}; published ${story.firstSeen ?? '-'} to ${story.lastSeen ?? '-'}`);
        // Copies are folded under their original; a copy whose original is not in the story's
        // member list (older than the details kept) is listed as it is.
        const ids = new Set(story.members.map((m) => m.id));
        const copiesOf = new Map<string, typeof story.members>();
        for (const m of story.members) {
          if (m.duplicateOf && ids.has(m.duplicateOf)) copiesOf.set(m.duplicateOf, [...(copiesOf.get(m.duplicateOf) ?? []), m]);
        }
        for (const m of story.members) {
          if (m.duplicateOf && ids.has(m.duplicateOf)) continue;
          const copies = copiesOf.get(m.id) ?? [];
          const note = copies.length ? `  + ${copies.length} ${copies.length === 1 ? 'copy' : 'copies'}` : m.duplicateOf ? `  (copy of ${m.duplicateOf})` : '';
          out(`  ${m.published ?? '?'}  [${m.source ?? '?'}] ${m.title}  (${m.id})${note}`);
          for (const c of copies) out(`      copy  [${c.source ?? '?'}] ${c.title}  (${c.id})`);
        }
      });
    });

  program
    .command('export')
    .description('export stored articles from PostgreSQL')
    .option('--since <date>', 'only articles discovered at or after this date (ISO-8601)')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--originals', 'leave out near-duplicates (copies of an article stored before)')
    .action(async (opts: { since?: string; format: string; originals?: boolean }) => {
      const config = loadConfig(program.opts().config);
      const url = config.sinks.postgres?.url ?? process.env.DATABASE_URL;
      if (!url) throw new Error('no PostgreSQL configured: set sinks.postgres.url or DATABASE_URL');
      if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new Error(`unknown format "${opts.format}" (jsonl or csv)`);
      const since = opts.since ? new Date(opts.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new Error(`not a date: ${opts.since}`);
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        const n = await exportArticles(pool, config.sinks.postgres?.schema ?? 'public', {
          since,
          format: opts.format,
          originalsOnly: Boolean(opts.originals),
          write: (chunk) => process.stdout.write(chunk),
        });
        process.stderr.write(`exported ${n} articles\n`);
      } finally {
        await pool.end();
      }
    });
}
