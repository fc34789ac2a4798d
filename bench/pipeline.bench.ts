// End-to-end pipeline benchmark: local servers publish N articles (realistic pages: the
// development extraction pages in ../shared/data when present, else the bundled demo layouts,
// each with its own title and paragraphs) across several feeds and hosts; one `newsflow start`
// child per role runs the whole pipeline into JSONL against a redis-server of the bench's own.
//
//   npm run bench:pipeline                 # 2,000 articles
//   npm run bench:pipeline -- --n 5000
//   npm run bench:pipeline -- --soak       # 20,000 articles published live, memory sampled every 10 s
//   npm run bench:pipeline -- --rate 12    # publish live at 12 articles/s instead of all at once
//   npm run bench:pipeline -- --dom linkedom  # extract.dom for the pipeline and the bound
//
// By default every article is in its feed from the start: the pipeline runs flat out, and its
// rate is compared with the bound. Its pages are then built before the clock starts and served
// gzipped (level 6), as news sites serve them; live pages (--rate) are built per request and
// served uncompressed. With --rate (the soak's default: 10/s, below the pipeline's
// capacity on 2 cores) the feeds publish like live ones: article k appears at start + k/rate,
// dated then (pubDate, and every ISO timestamp in its page), each feed listing its newest 200
// and polled every 5 s. That is the steady state memory has to stay flat in, so the soak also
// shortens the story window and story retention (2 min and 5 min instead of 72 h and 7 d) to
// let both turn over several times within the run, and takes its slopes after they have.
//
// Reports articles/s end to end, p50/p95 latency from discovery to stored (the record's
// `times.discovered` to the moment its JSONL line appeared, watched every 50 ms), CPU time and
// peak RSS per process, Redis memory at peak and after draining, and, in the same run, the
// throughput of a bare extraction loop over the same pages on every core (the pool in
// src/workers/readability/extract.pool.ts), timed before and after the run: the bound the
// pipeline is measured against (their mean).
//
// Politeness is set for a benchmark, not for the open web: 16 requests in flight per host and no
// spacing (fetch.perHost), robots.txt served allow-all.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../src/queues/catalog.js';
import { EXTRACT_DOMS } from '../src/shared/config.js';
import { ensureRedis } from '../src/shared/redis-server.js';
import { packagePath } from '../src/shared/paths.js';
import { createExtractPool } from '../src/workers/readability/extract.pool.js';
import { buildCorpus, sharedTemplates, type CorpusArticle, type CorpusFeed } from '../test/helpers/corpus.js';
import { Probe, RoleProcesses, rssOf, writeConfig } from '../test/helpers/pipeline-harness.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string' },
    soak: { type: 'boolean', default: false },
    /** Publish live at this many articles/s (default: all at once; 10 with --soak). */
    rate: { type: 'string' },
    feeds: { type: 'string', default: '8' },
    hosts: { type: 'string', default: '4' },
    /** Seconds before giving up (default 30 min, or the release time plus 15 min when longer). */
    timeout: { type: 'string' },
    /** Seconds with nothing stored or failed before the run is called stalled and diagnosed. */
    stall: { type: 'string', default: '180' },
    /** Pages for the bare extraction loop (a sample of the corpus is enough for a steady rate). */
    'bound-pages': { type: 'string', default: '600' },
    /** extract.dom, for the pipeline and the bare extraction loop alike. */
    dom: { type: 'string', default: 'jsdom' },
  },
});
const DOM = EXTRACT_DOMS.find((d) => d === args.dom);
if (!DOM) throw new Error(`--dom must be one of ${EXTRACT_DOMS.join(', ')}, got ${args.dom}`);
const N = Number(args.n ?? (args.soak ? 20_000 : 2_000));
const RATE = args.rate !== undefined ? Number(args.rate) : args.soak ? 10 : 0;
if (!(Number.isFinite(RATE) && RATE >= 0)) throw new Error(`--rate must be a number of articles per second, got ${args.rate}`);
const STALL_MS = Number(args.stall) * 1000;
if (!(STALL_MS > 0)) throw new Error(`--stall must be a positive number of seconds, got ${args.stall}`);
const TIMEOUT_MS = (args.timeout !== undefined ? Number(args.timeout) : Math.max(1800, RATE > 0 ? N / RATE + 900 : 0)) * 1000;
/** Fixed runs up to this many articles serve pages built before the run (a few hundred MB). */
const PREBUILD_MAX = 5_000;
/** A live feed lists its newest this many items. */
const FEED_WINDOW = 200;
const STORY_WINDOW = '2m';
const STORY_TTL = '5m';
const STORY_TTL_MS = 300_000;
const POLL = '5s';
const ISO_TIME = /\b(?:19|20)\d{2}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const FEEDS = Number(args.feeds);
const HOSTS = Number(args.hosts);
// A live feed must still list an item a few polls after it appeared, or the fetch stage misses it.
if (RATE > 0 && (FEED_WINDOW * FEEDS) / RATE < 60) {
  throw new Error(`--rate ${RATE} is too fast for ${FEEDS} feeds of ${FEED_WINDOW} items polled every ${POLL}: an item would leave its feed within a minute`);
}

const ROLES = ['fetch', 'extract', 'classify', 'store'] as const;
const mb = (b: number) => (b / 2 ** 20).toFixed(0);

/** Whatever must not outlive the bench (worker processes, its redis-server), stopped on any exit. */
const cleanups: (() => Promise<unknown>)[] = [];
function onExit<T>(fn: () => Promise<T>): () => Promise<T> {
  let done: Promise<T> | null = null;
  const once = () => (done ??= fn());
  cleanups.push(once);
  return once;
}
async function cleanUp(): Promise<void> {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** CPU seconds (user + system, threads included) of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Least-squares slope of (t, y) in y-units per minute. */
function slopePerMinute(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [t, y]) => a + (t - mt) * (y - my), 0);
  const den = points.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return den ? (num / den) * 60_000 : NaN;
}

/** Redis memory by key family (ids and hashes in key names replaced by `*`), largest first. */
interface Family {
  family: string;
  keys: number;
  bytes: number;
}

interface CommandStat {
  name: string;
  calls: number;
  usec: number;
}

/** `INFO commandstats` lines (`cmdstat_zadd:calls=1,usec=2,...`), largest total time first. */
function parseCommandStats(info: string): CommandStat[] {
  const out: CommandStat[] = [];
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.push({ name: m[1]!, calls: Number(m[2]), usec: Number(m[3]) });
  return out.sort((a, b) => b.usec - a.usec);
}

async function keyspaceByFamily(redis: Redis): Promise<Family[]> {
  const families = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    if (!keys.length) continue;
    const p = redis.pipeline();
    for (const k of keys) p.memory('USAGE', k, 'SAMPLES', 0);
    const sizes = (await p.exec()) ?? [];
    keys.forEach((k, i) => {
      // An id, a hash, a date or a term: a long segment with digits, or one after a one-letter
      // collection name (the story index's `t:<term>`, `a:<id>`, `s:<id>`).
      const family = k
        .split(':')
        .map((part, j, all) => (all[j - 1]?.length === 1 || part.length >= 20 || (/\d/.test(part) && part.length >= 6) ? '*' : part))
        .join(':');
      const f = families.get(family) ?? { keys: 0, bytes: 0 };
      f.keys++;
      f.bytes += Number(sizes[i]?.[1] ?? 0);
      families.set(family, f);
    });
  } while (cursor !== '0');
  return [...families].map(([family, f]) => ({ family, ...f })).sort((a, b) => b.bytes - a.bytes);
}

async function main(): Promise<void> {
  log(`building dist/ (the children run dist/cli.js)...`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: packagePath(), stdio: 'inherit' });

  const shared = sharedTemplates() !== null;
  const perFeed = Math.ceil(N / FEEDS);
  const corpus = buildCorpus({ feeds: FEEDS, perFeed, templates: 'shared', seed: 99 });
  const articles = corpus.articles.slice(0, N);
  const included = new Set(articles);
  log(`corpus: ${articles.length} articles in ${FEEDS} feeds on ${HOSTS} hosts, pages from ${shared ? '../shared/data/extraction/fundus-dev' : 'fixtures/demo/pages (../shared/data absent)'}`);

  // Live publication: article k (round-robin over the feeds) appears at releaseStart + k/RATE.
  const releaseAt = new Map<CorpusArticle, number>();
  let releaseStart = Infinity;
  if (RATE > 0) {
    const order = [...articles].sort((a, b) => a.index - b.index || a.feed - b.feed);
    order.forEach((a, k) => releaseAt.set(a, (k * 1000) / RATE));
  }
  const released = (a: CorpusArticle) => RATE <= 0 || releaseStart + releaseAt.get(a)! <= Date.now();
  const publishedAt = (a: CorpusArticle) => new Date(releaseStart + releaseAt.get(a)!);

  // One server per host (port); feed f and its pages live on host f % HOSTS.
  const servers: Server[] = [];
  const bases: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    // Live pages are built when requested (a soak corpus of 20,000 pages would not fit in
    // memory, and each carries its release time), uncompressed. A fixed run's pages (up to
    // PREBUILD_MAX) are built and gzipped before the clock starts, as a real site serves them:
    // the harness shares the pipeline's cores, so it should spend them serving, not building.
    const pages = new Map<string, CorpusArticle>();
    const prebuilt = new Map<string, Buffer>();
    const feeds = new Map<string, CorpusFeed>();
    const fixedXml = new Map<string, Buffer>();
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/robots.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
      const feed = feeds.get(path);
      if (feed) {
        let xml = fixedXml.get(path);
        if (!xml) {
          const items = feed.items.filter(released).slice(-FEED_WINDOW).reverse();
          xml = Buffer.from(corpus.feedXml({ ...feed, items }, base, publishedAt));
        }
        return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(xml);
      }
      const ready = prebuilt.get(path);
      if (ready) {
        const html = { 'content-type': 'text/html; charset=utf-8' };
        if (!/\bgzip\b/.test(String(req.headers['accept-encoding']))) return void res.writeHead(200, html).end(gunzipSync(ready));
        return void res.writeHead(200, { ...html, 'content-encoding': 'gzip' }).end(ready);
      }
      const page = pages.get(path);
      if (page && released(page)) {
        let html = page.html.replaceAll('{{BASE}}', base);
        // A live page carries the date it was published, wherever the layout puts a timestamp.
        if (RATE > 0) html = html.replace(ISO_TIME, publishedAt(page).toISOString());
        return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    corpus.feeds.forEach((f: CorpusFeed, i) => {
      if (i % HOSTS !== h) return;
      const items = f.items.filter((a) => included.has(a));
      feeds.set(f.path, { ...f, items });
      if (RATE <= 0) fixedXml.set(f.path, Buffer.from(corpus.feedXml({ ...f, items }, base)));
      for (const a of items) {
        pages.set(a.path, a);
        // Compressed like nearly every news site's pages (gzip level 6, Apache's default).
        if (RATE <= 0 && N <= PREBUILD_MAX) prebuilt.set(a.path, gzipSync(a.html.replaceAll('{{BASE}}', base), { level: 6 }));
      }
    });
    servers.push(server);
    bases.push(base);
  }

  const dir = mkdtempSync(join(tmpdir(), 'nf-bench-'));
  const redisHandle = await ensureRedis({ anyPort: true, reuseLocal: false, dataDir: join(dir, 'redis') });
  const stopRedis = onExit(() => redisHandle.stop());
  const redis = new Redis(redisHandle.url, { maxRetriesPerRequest: null });
  const prefix = 'bench';
  const jsonl = join(dir, 'articles.jsonl');
  const config = writeConfig(dir, {
    redis: { prefix },
    feeds: corpus.feeds.map((f, i) => ({ url: `${bases[i % HOSTS]}${f.path}`, name: f.name, ...(RATE > 0 ? { interval: POLL } : {}) })),
    network: { allow: ['127.0.0.1'] },
    extract: { dom: DOM },
    fetch: { concurrency: 16, perHost: { concurrency: 16, minInterval: 0 }, ...(args.soak ? { rememberPerFeed: 2 * FEED_WINDOW } : {}) },
    sinks: { jsonl: { path: jsonl }, ...(args.soak ? { dedupWindow: STORY_TTL } : {}) },
    // Every retention that holds per-article state, scaled from days to minutes so that it
    // turns over several times within the soak.
    ...(args.soak ? { stories: { window: STORY_WINDOW, ttl: STORY_TTL } } : {}),
  });
  const procs = new RoleProcesses(config, { REDIS_URL: redisHandle.url, LOG_LEVEL: 'error' });
  const stopProcs = onExit(() => procs.stopAll());
  const probe = new Probe(redis, prefix);

  /** The article URL a job of any article queue carries (classify and store jobs nest it). */
  const urlOf = (data: unknown): string | undefined => {
    const d = data as { url?: unknown; article?: { url?: unknown } } | null;
    const url = d?.url ?? d?.article?.url;
    return typeof url === 'string' ? url : undefined;
  };
  const ARTICLE_QUEUES = QUEUE_NAMES.filter((q) => q !== 'feed');
  /** A Redis read in the watch loop, or an error naming it after 30 s (a hung Redis is a finding too). */
  const answered = async <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not answer ${what} within 30 s (stored ${storedAt.length} of ${articles.length})`)), 30_000)));
    try {
      return await Promise.race([p, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  /** Failed article jobs, counted. */
  const failedCount = async () => {
    let n = 0;
    for (const q of ARTICLE_QUEUES) n += (await probe.counts(q)).failed ?? 0;
    return n;
  };
  /** Failed article jobs (a failed feed poll is no article, and the schedule polls again). */
  const failedArticles = async () => (await probe.failed()).filter((f) => f.queue !== 'feed');

  /**
   * What a stalled run looks like from Redis and /proc: where the missing articles are, who is
   * busy. The Redis part gives up after 30 s (answered) and the report keeps what it has.
   */
  const stallReport = async (missing: string[]): Promise<string> => {
    const lines: string[] = [];
    // Worker CPU first and on its own clock: it needs no Redis, and says who (if anyone) is busy.
    const cpuNow = (): number[] => [...procs.procs.values()].map((p) => (p.child.pid ? cpuSeconds(p.child.pid) : 0));
    const before = cpuNow();
    const cpuLine = new Promise<string>((r) =>
      setTimeout(() => {
        const busy = cpuNow().map((c, i) => c - before[i]!);
        r(`CPU s over 5 s: ${[...procs.procs.keys()].map((role, i) => `${role} ${busy[i]!.toFixed(2)}`).join(', ')}`);
      }, 5000),
    );
    const collect = async () => {
      lines.push(`queues: ${await probe.describe()}`);
      lines.push(`stored: ${storedAt.length} JSONL lines, ${await probe.stored()} counted by the store workers; ${missing.length} released articles neither in the JSONL nor failed, e.g. ${missing.slice(0, 5).join(' ')}`);
      for (const q of QUEUE_NAMES) {
        const queue = probe.queues.get(q);
        lines.push(`${q}: ${await queue.getWorkersCount()} workers connected`);
        for (const job of await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'], 0, 4)) {
          const state = await job.getState();
          const age = job.processedOn ? `${((Date.now() - job.processedOn) / 1000).toFixed(0)} s since taken` : 'not taken';
          const retry = state === 'delayed' && job.failedReason ? `, delayed ${job.delay} ms after: ${job.failedReason.slice(0, 120)}` : '';
          lines.push(`  ${state} ${job.name} ${job.id}: ${age}, attempts ${job.attemptsMade}${retry}, ${JSON.stringify(job.data).slice(0, 160)}`);
        }
      }
      // How far each missing article got: the stages whose completed jobs still name it (BullMQ
      // keeps a queue's newest 1,000 completed jobs, so older ones are out of view).
      const seen = new Set(missing);
      for (const q of ARTICLE_QUEUES) {
        if (!seen.size) break;
        const done = (await probe.queues.get(q).getCompleted(0, 999)).filter((job) => seen.has(urlOf(job.data) ?? ''));
        if (!done.length) continue;
        lines.push(`${done.length} missing articles completed in ${q} (of the newest 1,000 completed), e.g.`);
        for (const job of done.slice(0, 3)) lines.push(`  ${urlOf(job.data)} (job ${job.id}${job.returnvalue != null ? `, returned ${JSON.stringify(job.returnvalue).slice(0, 160)}` : ''})`);
      }
    };
    await answered(collect(), 'the stall report').catch((err: unknown) => void lines.push(`(report cut short: ${(err as Error).message})`));
    lines.unshift(await cpuLine);
    lines.push(`worker output (tail):\n${procs.output().slice(-3000)}`);
    return lines.join('\n');
  };
  /** Released articles neither in the JSONL nor failed, by URL. */
  const missing = async (): Promise<string[]> => {
    const failedUrls = new Set((await failedArticles()).map((f) => urlOf(f.data)));
    return articles.map((a) => `${bases[a.feed % HOSTS]}${a.path}`).filter((url, i) => released(articles[i]!) && !storedUrls.has(url) && !failedUrls.has(url));
  };
  const latencies: number[] = [];
  /** Article URLs in the JSONL, to name the missing ones when the run stalls. */
  const storedUrls = new Set<string>();
  const discovered: number[] = [];
  const storedAt: number[] = [];
  const peaks = new Map<string, number>();
  const memSamples: { t: number; rss: Record<string, number>; redis: number }[] = [];
  let redisPeak = 0;
  let staleDates = 0;
  /** Live runs: publication (the feed's pubDate) to stored, poll delay included. */
  const fromPublished: number[] = [];
  let offset = 0;
  let partial = '';

  const readNewLines = () => {
    let size: number;
    try {
      size = statSync(jsonl).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = openSync(jsonl, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const now = Date.now();
    const text = partial + buf.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      const url = /"url":"([^"]+)"/.exec(line)?.[1];
      if (url) storedUrls.add(url);
      const m = /"discovered":"([^"]+)"/.exec(line);
      const d = m ? Date.parse(m[1]!) : NaN;
      // A live article should carry the date it was published at (not its layout's old one).
      const pub = /"published":"([^"]+)"/.exec(line);
      const p = pub ? Date.parse(pub[1]!) : NaN;
      if (RATE > 0 && !(p >= releaseStart - 60_000)) staleDates++;
      if (RATE > 0 && Number.isFinite(p)) fromPublished.push(now - p);
      discovered.push(d);
      storedAt.push(now);
      latencies.push(now - d);
    }
  };
  const sampleMemory = async () => {
    const rss: Record<string, number> = {};
    for (const [role, p] of procs.procs) {
      const m = p.child.pid ? rssOf(p.child.pid) : null;
      if (!m) continue;
      rss[role] = m.rss;
      peaks.set(role, Math.max(peaks.get(role) ?? 0, m.peak));
    }
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    redisPeak = Math.max(redisPeak, used);
    return { rss, redis: used };
  };

  const redisCpu = async () => {
    const info = await redis.info('cpu');
    return ['used_cpu_user', 'used_cpu_sys'].reduce((a, k) => a + Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0), 0);
  };
  // The bound: the extraction pool on every core over the same pages, nothing else running.
  // Timed before and after the pipeline (the machine's speed drifts over minutes; one short
  // measurement at one end made the ratio swing between runs); the ratio uses their mean.
  const boundPages = articles.slice(0, Math.min(articles.length, Number(args['bound-pages']))).map((a) => ({ html: a.html.replaceAll('{{BASE}}', bases[0]!), url: `${bases[0]}${a.path}` }));
  const boundThreads = availableParallelism();
  const measureBound = async (): Promise<{ rate: number; ok: number }> => {
    const pool = createExtractPool({ threads: boundThreads, dom: DOM });
    // Thread start-up and a cold JIT are not the bound: warm every thread first.
    await Promise.all(boundPages.slice(0, pool.threads * 2).map((p) => pool.extract(p.html, { url: p.url }).catch(() => null)));
    let next = 0;
    let ok = 0;
    const start = Date.now();
    await Promise.all(
      Array.from({ length: pool.threads * 2 }, async () => {
        while (next < boundPages.length) {
          const p = boundPages[next++]!;
          await pool.extract(p.html, { url: p.url }).then(() => ok++, () => {});
        }
      }),
    );
    const rate = boundPages.length / ((Date.now() - start) / 1000);
    await pool.close();
    return { rate, ok };
  };
  // At a fixed release rate the pipeline's rate is the release rate: no bound to compare with.
  const boundBefore = RATE > 0 ? null : await measureBound();
  if (boundBefore) log(`bound before the run: ${boundBefore.rate.toFixed(1)} pages/s`);
  else log(`publishing live at ${RATE} articles/s (${(N / RATE / 60).toFixed(1)} min); feeds polled every ${POLL}${args.soak ? `; stories.window ${STORY_WINDOW}, stories.ttl ${STORY_TTL}, sinks.dedupWindow ${STORY_TTL}, fetch.rememberPerFeed ${2 * FEED_WINDOW}` : ''}`);

  // Redis is one thread for every worker of a deployment: where its time goes bounds scaling out.
  await redis.config('RESETSTAT');
  const redisCpuStart = await redisCpu();
  const benchCpuStart = process.cpuUsage();
  const started = Date.now();
  releaseStart = started;
  procs.startAll(ROLES);
  const tail = setInterval(readNewLines, 50);
  let lastSoakSample = 0;
  let failed = 0;
  let progress = -1;
  let progressAt = Date.now();
  let cpu: Record<string, number> = {};
  let commandStats: CommandStat[] = [];
  let keyspace: Family[] = [];
  // Soak, live: Redis by key family once warmed up and when the last article has been released,
  // both in steady state, so that any growth between them is traced to its keys.
  const warmupMs = RATE > 0 ? Math.max(60_000, (0.2 * N * 1000) / RATE, STORY_TTL_MS + 60_000) : Infinity;
  let familiesWarm: Family[] | null = null;
  let familiesReleased: Family[] | null = null;
  let warmAt = 0;
  let releasedAt = 0;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const m = await answered(sampleMemory(), 'INFO memory');
      if (args.soak && Date.now() - lastSoakSample >= 10_000) {
        lastSoakSample = Date.now();
        memSamples.push({ t: Date.now() - started, ...m });
        const released = RATE > 0 ? `${Math.min(N, Math.floor(((Date.now() - started) * RATE) / 1000) + 1)} released, ` : '';
        log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${released}${storedAt.length} stored; RSS ${Object.entries(m.rss).map(([r, b]) => `${r} ${mb(b)}`).join(', ')} MB; Redis ${mb(m.redis)} MB`);
      }
      if (args.soak && RATE > 0) {
        const t = Date.now() - started;
        if (!familiesWarm && t >= warmupMs) [familiesWarm, warmAt] = [await answered(keyspaceByFamily(redis), 'the keyspace scan'), t];
        if (familiesWarm && !familiesReleased && t >= (N * 1000) / RATE) [familiesReleased, releasedAt] = [await answered(keyspaceByFamily(redis), 'the keyspace scan'), t];
      }
      // Counts, not lists (a list stops at 1,000 jobs); distinct stored URLs, not JSONL lines.
      failed = await answered(failedCount(), 'failed counts');
      const releasedCount = RATE > 0 ? articles.filter(released).length : articles.length;
      const caughtUp = storedUrls.size + failed >= releasedCount;
      const idle = caughtUp && (await answered(probe.idle(), 'queue counts'));
      if (idle && releasedCount >= articles.length) break;
      if (procs.crashed().length) throw new Error(`a worker process died: ${procs.crashed().join(', ')}\n${procs.output()}`);
      if (Date.now() - started > TIMEOUT_MS) throw new Error(`timed out with ${storedAt.length}/${articles.length} stored\n${await stallReport(await missing())}`);
      // The stall clock stops while the pipeline has caught up and gone idle (a live run waiting
      // for its next release); it runs while an article is outstanding, or while everything is
      // counted but a job is still in a queue.
      if (storedAt.length + failed !== progress || idle) [progress, progressAt] = [storedAt.length + failed, Date.now()];
      else if (Date.now() - progressAt > STALL_MS) {
        throw new Error(`stalled: nothing stored or failed for ${STALL_MS / 1000} s${caughtUp ? ', every article counted but the queues not idle' : ''}\n${await stallReport(await missing())}`);
      }
    }
    readNewLines();
    cpu = Object.fromEntries([...procs.procs].map(([r, p]) => [r, p.child.pid ? cpuSeconds(p.child.pid) : 0]));
    cpu['redis-server'] = (await answered(redisCpu(), 'INFO cpu')) - redisCpuStart;
    commandStats = parseCommandStats(await answered(redis.info('commandstats'), 'INFO commandstats'));
    const bench = process.cpuUsage(benchCpuStart);
    cpu['bench (feed/page server, watcher)'] = (bench.user + bench.system) / 1e6;
    await new Promise((r) => setTimeout(r, 3000));
    if (args.soak) keyspace = await answered(keyspaceByFamily(redis), 'the keyspace scan');
  } finally {
    clearInterval(tail);
  }
  const drained = await answered(sampleMemory(), 'INFO memory');
  const reasons = new Map<string, number>();
  for (const f of await answered(failedArticles(), 'failed jobs')) {
    const key = `${f.queue}: ${f.reason.replace(/https?:\/\/\S+/g, 'URL').slice(0, 90)}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  await stopProcs();

  const boundAfter = boundBefore ? await measureBound() : null;
  const boundRate = boundBefore && boundAfter ? (boundBefore.rate + boundAfter.rate) / 2 : NaN;

  const firstDiscovered = Math.min(...discovered.filter(Number.isFinite));
  const lastStored = Math.max(...storedAt);
  const seconds = (lastStored - firstDiscovered) / 1000;
  const rate = storedAt.length / seconds;
  const sorted = [...latencies].sort((a, b) => a - b);
  const wall = (lastStored - started) / 1000;

  log('');
  log(`pipeline: ${storedAt.length} of ${articles.length} articles stored (${failed} failed) in ${seconds.toFixed(1)} s from first discovery: ${rate.toFixed(1)} articles/s`);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)) log(`  failed x${count}: ${reason}`);
  log(`latency discovery -> stored: p50 ${(quantile(sorted, 0.5) / 1000).toFixed(2)} s, p95 ${(quantile(sorted, 0.95) / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s`);
  if (fromPublished.length) {
    const pubSorted = [...fromPublished].sort((a, b) => a - b);
    log(`latency published -> stored (poll delay included): p50 ${(quantile(pubSorted, 0.5) / 1000).toFixed(2)} s, p95 ${(quantile(pubSorted, 0.95) / 1000).toFixed(2)} s`);
  }
  log(`busy (CPU s, user+system incl. threads; share of ${wall.toFixed(0)} s wall): ${Object.keys(cpu).map((r) => `${r} ${cpu[r]?.toFixed(1)} s (${(((cpu[r] ?? 0) / wall) * 100).toFixed(0)}%)`).join(', ')}`);
  if (commandStats.length && storedAt.length) {
    const per = (us: number) => (us / storedAt.length / 1000).toFixed(2);
    log(`redis-server time by command (INFO commandstats, ms an article; a script's total includes the commands it runs, which are listed again under their own names): ${commandStats.slice(0, 10).map((c) => `${c.name} ${per(c.usec)} (${(c.calls / storedAt.length).toFixed(1)} calls)`).join(', ')}`);
  }
  log(`peak RSS per process: ${ROLES.map((r) => `${r} ${mb(peaks.get(r) ?? 0)} MB`).join(', ')}`);
  log(`Redis used_memory: peak ${mb(redisPeak)} MB, after draining ${mb(drained.redis)} MB`);
  if (boundBefore && boundAfter) {
    log(`bound (bare extraction pool on ${DOM}, ${boundThreads} threads, ${boundPages.length} pages, ${boundAfter.ok} extracted): before ${boundBefore.rate.toFixed(1)}, after ${boundAfter.rate.toFixed(1)}, mean ${boundRate.toFixed(1)} pages/s`);
    log(`pipeline / bound: ${(rate / boundRate).toFixed(2)}`);
  } else {
    log(`released at ${RATE} articles/s: pipeline/bound not measured (run without --rate for it)`);
    log(`articles stored with a publication date older than the run: ${staleDates} (their layout's date survived the rewrite)`);
  }
  const fmtFamily = (f: Family) => `${f.family} x${f.keys} ${(f.bytes / 2 ** 20).toFixed(2)} MB`;
  if (keyspace.length) log(`Redis keys after draining, by family (MEMORY USAGE): ${keyspace.slice(0, 10).map(fmtFamily).join('; ')}`);
  if (familiesWarm && familiesReleased) {
    const before = new Map(familiesWarm.map((f) => [f.family, f]));
    const after = new Map(familiesReleased.map((f) => [f.family, f]));
    const change = [...new Set([...before.keys(), ...after.keys()])]
      .map((family) => ({ family, keys: (after.get(family)?.keys ?? 0) - (before.get(family)?.keys ?? 0), bytes: (after.get(family)?.bytes ?? 0) - (before.get(family)?.bytes ?? 0) }))
      .sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes));
    const total = (fs: Family[]) => fs.reduce((a, f) => a + f.bytes, 0) / 2 ** 20;
    log(`Redis keys, warmed up (${(warmAt / 1000).toFixed(0)} s) -> last article released (${(releasedAt / 1000).toFixed(0)} s): ${total(familiesWarm).toFixed(2)} -> ${total(familiesReleased).toFixed(2)} MB in keys; largest changes: ${change.slice(0, 8).map((f) => `${f.family} ${f.keys >= 0 ? '+' : ''}${f.keys} keys ${f.bytes >= 0 ? '+' : ''}${(f.bytes / 2 ** 20).toFixed(2)} MB`).join('; ')}`);
  }
  if (args.soak && memSamples.length) {
    // Warm-up: a fifth of the run, and at least until the story retention has turned over once.
    const warmFrom = RATE > 0 ? warmupMs : Math.max(60_000, memSamples.at(-1)!.t * 0.2);
    const warm = memSamples.filter((s) => s.t >= warmFrom);
    const slopes = ROLES.map((r) => `${r} ${slopePerMinute(warm.map((s) => [s.t, (s.rss[r] ?? 0) / 2 ** 20])).toFixed(2)}`);
    log(`soak: ${memSamples.length} samples every 10 s; slope after warm-up (${warm.length} samples from ${((warm[0]?.t ?? 0) / 1000).toFixed(0)} s), MB/min: RSS ${slopes.join(', ')}; Redis ${slopePerMinute(warm.map((s) => [s.t, s.redis / 2 ** 20])).toFixed(2)}`);
  }

  await probe.close();
  redis.disconnect();
  await stopRedis();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await cleanUp();
    process.exit(1);
  },
);
