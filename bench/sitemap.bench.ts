// Sitemap cost: `npm run bench:sitemaps`.
//
// 1. Parse time and memory for one 50,000-URL file (the sitemaps.org limit): a Google News
//    sitemap (title, date, language, keywords per entry) and a plain urlset, as text and gzipped.
//    Baseline in the same run: xml2js (the XML parser rss-parser uses) building the whole tree
//    of the same text. Memory: the heap the result holds (heap with it less heap without it,
//    each after a forced GC), and the peak RSS growth over the runs.
// 2. A poll: the feed.poll handler reading an index whose gzipped 50,000-entry news sitemap
//    has 2 days of recent entries among 30 days, from a local server into a scratch prefix of a
//    real Redis (REDIS_URL, else 127.0.0.1:6379); time, entries queued, and the Redis bytes the
//    source keeps.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '../src/shared/config.js';
import { feedId, keysFor } from '../src/shared/keys.js';
import { silentLogger } from '../src/shared/logger.js';
import { createQueues, enqueue } from '../src/queues/factory.js';
import { parseSitemap, sitemapText } from '../src/workers/fetch/sitemap.js';
import { feedPollHandler } from '../src/workers/fetch/feed.worker.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../test/helpers/redis.js';

const N = 50_000;
const RUNS = 5;
const DAY = 86_400_000;
const rawGc = (globalThis as { gc?: () => void }).gc;
// Twice: one pass can leave the previous run's garbage to lazy sweeping and hide what is held.
const gc = rawGc ? () => (rawGc(), rawGc()) : undefined;

function newsSitemap(now: number, site: string): string {
  const entries = Array.from({ length: N }, (_, i) => {
    const published = new Date(now - (i / N) * 30 * DAY).toISOString();
    return `<url><loc>${site}/2026/12/story-${i}-harbour-works-continue</loc><news:news><news:publication><news:name>Quay Herald</news:name><news:language>en</news:language></news:publication><news:publication_date>${published}</news:publication_date><news:title>Story ${i}: harbour works continue &amp; ferries wait</news:title><news:keywords>harbour, ferries, city</news:keywords></news:news></url>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n${entries.join('\n')}\n</urlset>\n`;
}

function plainUrlset(site: string): string {
  const entries = Array.from({ length: N }, (_, i) => `<url><loc>${site}/archive/2019/page-${i}.html</loc><lastmod>2019-06-01</lastmod></url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('\n')}\n</urlset>\n`;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function measure(label: string, fn: () => unknown | Promise<unknown>): Promise<void> {
  const times: number[] = [];
  // Every run's result is kept, then all dropped at once: the heap they held, per run, is the
  // difference (each side after a forced GC). A single dropped reference can linger in a
  // register; an array cleared cannot.
  const kept: unknown[] = [];
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  for (let r = 0; r < RUNS; r++) {
    gc?.();
    const t0 = performance.now();
    const result = await fn();
    times.push(performance.now() - t0);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (result === undefined) throw new Error('nothing parsed');
    kept.push(result);
  }
  gc?.();
  const withAll = process.memoryUsage().heapUsed;
  kept.length = 0;
  gc?.();
  const held = (withAll - process.memoryUsage().heapUsed) / RUNS;
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)]!;
  console.log(`  ${label.padEnd(44)} ${median.toFixed(0).padStart(6)} ms median of ${RUNS}  ${((N / median) * 1000).toFixed(0).padStart(8)} URLs/s  result holds ${gc ? mb(held) : 'n/a (run with --expose-gc)'}, peak RSS +${mb(peakRss - rss0)}`);
}

async function main(): Promise<void> {
  // xml2js has no types of its own; only this function is used.
  const { parseStringPromise } = (await import('xml2js' as string)) as { parseStringPromise: (xml: string) => Promise<unknown> };
  const site = 'https://news.example';
  const now = Date.now();
  const news = newsSitemap(now, site);
  const plain = plainUrlset(site);
  const newsGz = gzipSync(news);
  console.log(`sitemap parsing: ${N.toLocaleString('en')} URLs per file (news ${mb(news.length)}, ${mb(newsGz.length)} gzipped; plain ${mb(plain.length)})`);
  await measure('newsflow parseSitemap, news sitemap', () => parseSitemap(news, `${site}/news.xml`));
  await measure('newsflow gunzip + parseSitemap, news .xml.gz', () => parseSitemap(sitemapText(newsGz, `${site}/news.xml.gz`), `${site}/news.xml.gz`));
  await measure('newsflow parseSitemap, plain urlset', () => parseSitemap(plain, `${site}/archive.xml`));
  await measure('xml2js tree, news sitemap (baseline)', () => parseStringPromise(news));
  await measure('xml2js tree, plain urlset (baseline)', () => parseStringPromise(plain));

  // 2. One poll through the feed.poll handler.
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/index.xml') {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${base}/news.xml.gz</loc><lastmod>${new Date(now).toISOString()}</lastmod></sitemap></sitemapindex>`);
    } else if (req.url === '/news.xml.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(localGz);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const localGz = gzipSync(newsSitemap(now, base));
  const redis = testRedis();
  const prefix = randomPrefix('bench-sitemap');
  const queues = createQueues(redis, prefix);
  try {
    const config = parseConfig({ redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { perHost: { minInterval: 0 } } }, 'bench', {});
    const keys = keysFor(prefix);
    const poll = feedPollHandler({ config, redis, queues, keys, log: silentLogger });
    const t0 = performance.now();
    await poll({ feedUrl: `${base}/index.xml`, name: 'Quay Herald' }, { log: silentLogger, job: {} as never, attempt: 1, enqueue: (jobs) => enqueue(queues, jobs) });
    const ms = performance.now() - t0;
    const fid = feedId(`${base}/index.xml`);
    const queued = await queues.get('page').count();
    const bytes = async (key: string) => Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0);
    const kept = (await bytes(keys.seen(fid))) + (await bytes(keys.sitemapFiles(fid))) + (await bytes(keys.feedState(fid)));
    console.log(`\none poll: index -> gzipped ${N.toLocaleString('en')}-entry news sitemap, entries over 30 days, sitemaps.maxAge 2d`);
    console.log(`  feed.poll handler                            ${ms.toFixed(0).padStart(6)} ms  ${queued} entries queued (of ${N}), Redis kept for the source ${(kept / 1024).toFixed(0)} KB (${(kept / Math.max(1, queued)).toFixed(0)} bytes per queued entry)`);
  } finally {
    await queues.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    server.close();
  }
}

await main();
