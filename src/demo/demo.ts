// `newsflow demo`: the whole pipeline, offline. Serves the bundled feeds and pages on 127.0.0.1,
// runs every stage against Redis (an existing one under a throwaway prefix, or a redis-server it
// starts on a free port), waits until every queue has drained, prints a summary and leaves
// OUT/articles.jsonl behind. Returns false when anything failed or was stored twice.
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { packagePath } from '../shared/paths.js';
import { ensureRedis } from '../shared/redis-server.js';
import { createRedis, deleteKeysWithPrefix } from '../shared/redis.js';
import { startPipeline, type Pipeline } from '../app.js';
import { QUEUE_NAMES } from '../queues/catalog.js';
import { enqueue, next } from '../queues/factory.js';
import { feedPollData } from '../queues/schedules.js';
import type { StoredArticle } from '../shared/types.js';
import { startFixtureServer } from './fixture-server.js';

export const DEMO_FEEDS = [
  { path: '/feeds/world-wire.xml', name: 'World Wire' },
  { path: '/feeds/the-week.atom', name: 'The Week' },
  { path: '/feeds/science-desk.json', name: 'Science Desk' },
];

export interface DemoOptions {
  outDir: string;
  timeoutMs: number;
  keep?: boolean;
  redisUrl?: string;
  print: (line: string) => void;
}

export interface DemoResult {
  ok: boolean;
  articles: StoredArticle[];
  failed: { queue: string; id: string | undefined; reason: string }[];
}

export async function runDemo(opts: DemoOptions): Promise<boolean> {
  const result = await runDemoPipeline(opts);
  return result.ok;
}

export async function runDemoPipeline(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const outFile = resolve(opts.outDir, 'articles.jsonl');
  await mkdir(opts.outDir, { recursive: true });
  await rm(outFile, { force: true });

  const redisDir = await mkdtemp(join(tmpdir(), 'newsflow-demo-redis-'));
  const redisHandle = await ensureRedis({ url: opts.redisUrl, anyPort: true, dataDir: redisDir });
  const server = await startFixtureServer({
    '/feeds/': packagePath('fixtures', 'demo', 'feeds'),
    '/news/': packagePath('fixtures', 'demo', 'pages'),
    '/pages/': packagePath('fixtures', 'pages'),
  });
  // Hash-tagged, so the demo runs on Redis Cluster too (REDIS_URL=redis-cluster://...).
  const prefix = `{newsflow-demo-${randomBytes(4).toString('hex')}}`;
  const config = parseConfig(
    {
      redis: { prefix },
      feeds: DEMO_FEEDS.map((f) => ({ url: server.baseUrl + f.path, name: f.name })),
      network: { allow: ['127.0.0.1'] },
      // Every fixture is served by one local server: per-host spacing would only slow the run.
      fetch: { perHost: { concurrency: 8, minInterval: 0 } },
      sinks: { jsonl: { path: outFile } },
    },
    'demo',
    {},
  );
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  opts.print(`newsflow demo: ${config.feeds.length} feeds on ${server.baseUrl}, Redis ${redisHandle.owned ? 'started for the demo' : 'at ' + redisHandle.url} (prefix ${prefix})`);

  let pipeline: Pipeline | undefined;
  try {
    pipeline = await startPipeline({
      config,
      redisUrl: redisHandle.url,
      log,
      roles: ['fetch', 'extract', 'classify', 'store'],
      schedules: false,
    });
    await enqueue(pipeline.queues, config.feeds.map((f) => next('feed.poll', feedPollData(f))));
    const drained = await waitForDrain(pipeline, opts.timeoutMs);

    const failed = [];
    for (const queue of pipeline.queues.all()) {
      for (const job of await queue.getFailed(0, 100)) {
        failed.push({ queue: queue.name, id: job.id, reason: job.failedReason });
      }
    }
    const articles = await readJsonl(outFile);
    const ok = drained && failed.length === 0 && articles.length > 0 && uniqueIds(articles);
    printSummary(opts.print, articles, failed, drained, outFile, Date.now() - started);
    return { ok, articles, failed };
  } finally {
    await pipeline?.stop();
    if (!opts.keep) await deletePrefix(redisHandle.url, prefix);
    await server.close();
    await redisHandle.stop();
    await rm(redisDir, { recursive: true, force: true });
  }
}

async function waitForDrain(pipeline: Pipeline, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  while (Date.now() < deadline) {
    let pending = 0;
    for (const queue of pipeline.queues.all()) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      pending += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    quietChecks = pending === 0 ? quietChecks + 1 : 0;
    if (quietChecks >= 3) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function readJsonl(file: string): Promise<StoredArticle[]> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StoredArticle);
}

function uniqueIds(articles: StoredArticle[]): boolean {
  return new Set(articles.map((a) => a.id)).size === articles.length;
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = createRedis(url, 'worker', 'newsflow-demo-cleanup');
  try {
    await deleteKeysWithPrefix(redis, `${prefix}:`);
  } finally {
    redis.disconnect();
  }
}

function printSummary(
  print: (line: string) => void,
  articles: StoredArticle[],
  failed: DemoResult['failed'],
  drained: boolean,
  outFile: string,
  elapsedMs: number,
): void {
  print('');
  for (const a of articles) {
    const topics = a.topics.slice(0, 3).map((t) => `${t.label} ${t.score.toFixed(2)}`).join(', ');
    print(`- ${a.title ?? '(untitled)'}`);
    print(`    ${a.feed.name ?? a.feed.url} | ${a.lang ?? '??'} | ${a.wordCount} words | story ${a.story}`);
    print(`    topics: ${topics || '(none)'}`);
  }
  const stories = new Map<string, number>();
  for (const a of articles) stories.set(a.story, (stories.get(a.story) ?? 0) + 1);
  const shared = [...stories.values()].filter((n) => n > 1).length;
  print('');
  print(
    `${articles.length} articles stored${uniqueIds(articles) ? ' exactly once' : ' WITH DUPLICATES'}, ` +
      `${stories.size} stories (${shared} reported by more than one outlet), ${failed.length} failed, ` +
      `${(elapsedMs / 1000).toFixed(1)} s`,
  );
  for (const f of failed) print(`  failed: ${f.queue} ${f.id}: ${f.reason}`);
  if (!drained) print('  the pipeline did not drain before the timeout');
  print(`wrote ${outFile}`);
}
