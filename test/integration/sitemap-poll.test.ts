// Sitemaps as a source, against real Redis and a local site: the feed.poll handler reading an
// index, gzipped news sitemaps, an archive, plain text; and the whole pipeline from
// `newsflow feeds add https://site/` (robots.txt → index → news sitemap) to stored articles.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../src/shared/config.js';
import { PermanentError } from '../../src/shared/errors.js';
import { feedId, keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { articleId } from '../../src/shared/url.js';
import { startPipeline } from '../../src/app.js';
import { createQueues, enqueue, next, type QueueSet } from '../../src/queues/factory.js';
import { feedPollHandler } from '../../src/workers/fetch/feed.worker.js';
import { startWorker } from '../../src/workers/runner.js';
import { discoverSources } from '../../src/workers/fetch/discover-sources.js';
import { fetchWithConfig } from '../../src/workers/fetch/fetch-options.js';
import type { PipelineDeps } from '../../src/workers/context.js';
import type { JobContext } from '../../src/workers/runner.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { writeConfig } from '../helpers/newsflow-process.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { newsflow } from '../helpers/cli.js';
import { scaled } from '../helpers/time-scale.js';

const NEWS_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"';
const iso = (t: number) => new Date(t).toISOString();

function newsSitemap(entries: { loc: string; title: string; published: number }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><urlset ${NEWS_NS}>${entries
    .map(
      (e) =>
        `<url><loc>${e.loc}</loc><news:news><news:publication><news:name>Quay Herald</news:name><news:language>en</news:language></news:publication>` +
        `<news:publication_date>${iso(e.published)}</news:publication_date><news:title>${e.title}</news:title><news:keywords>harbour, city</news:keywords></news:news></url>`,
    )
    .join('\n')}</urlset>`;
}

function urlset(entries: { loc: string; lastmod?: number }[]): string {
  return `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries
    .map((e) => `<url><loc>${e.loc}</loc>${e.lastmod ? `<lastmod>${iso(e.lastmod)}</lastmod>` : ''}</url>`)
    .join('')}</urlset>`;
}

function index(children: { loc: string; lastmod?: number }[]): string {
  return `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${children
    .map((c) => `<sitemap><loc>${c.loc}</loc>${c.lastmod ? `<lastmod>${iso(c.lastmod)}</lastmod>` : ''}</sitemap>`)
    .join('')}</sitemapindex>`;
}

function page(title: string): string {
  const p = `<p>${title}: the harbour authority said on Monday that the work would take most of the winter, and that ferries would run to a reduced timetable until the spring.</p>`;
  return `<!doctype html><html lang="en"><head><title>${title}</title></head><body><article><h1>${title}</h1>${p.repeat(5)}</article></body></html>`;
}

describe('sitemaps as a source (real Redis)', { timeout: scaled(120_000) }, () => {
  const prefix = randomPrefix('sitemap');
  let redis: Redis;
  let queues: QueueSet;
  let server: MisbehavingServer;
  let deps: PipelineDeps;
  let clock = Date.now();
  const later = () => (clock += 7 * 3_600_000);
  const ctx = (): JobContext => ({ log: silentLogger, job: {} as JobContext['job'], attempt: 1, enqueue: (jobs) => enqueue(queues, jobs) });
  const pageJobs = async () => (await queues.get('page').getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.data as { url: string; item: { title: string | null; lang?: string; keywords?: string[] } });
  const hits = (path: string) => server.requests.filter((r) => r.path === path).length;
  const poll = (path: string) => feedPollHandler(deps)({ feedUrl: server.url(path), name: 'Quay Herald' }, ctx());
  const failure = async (path: string) => {
    const err = await poll(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    return `${(err as PermanentError).code}: ${(err as Error).message}`;
  };

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    server = await startMisbehavingServer();
    const config = parseConfig({ redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { perHost: { minInterval: 0 } } }, 'test', {});
    deps = { config, redis, queues, keys: keysFor(prefix), log: silentLogger, now: () => new Date(clock) };
  });
  afterAll(async () => {
    await queues.close();
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('reads an index: recent news entries queued once with their metadata, an old archive never fetched, unchanged children not re-read', async () => {
    const b = server.baseUrl;
    const now = clock;
    let news = newsSitemap([
      { loc: `${b}/h/1`, title: 'Ferry timetable cut', published: now - 3_600_000 },
      { loc: `${b}/h/2`, title: 'Quay wall repairs begin', published: now - 20 * 3_600_000 },
      { loc: `${b}/h/old`, title: 'Last week', published: now - 5 * 86_400_000 },
    ]);
    let newsLastmod = now - 60_000;
    const newsEtag = () => `"n${newsLastmod}"`;
    server.route('/h/index.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(index([{ loc: `${b}/h/news.xml.gz`, lastmod: newsLastmod }, { loc: `${b}/h/archive-2019.xml`, lastmod: Date.parse('2019-12-31') }]));
    });
    server.route('/h/news.xml.gz', (req, res) => {
      if (req.headers['if-none-match'] === newsEtag()) return void res.writeHead(304, { etag: newsEtag() }).end();
      // Served as a file, not with Content-Encoding: detected by its gzip bytes.
      res.writeHead(200, { 'content-type': 'application/x-gzip', etag: newsEtag() }).end(gzipSync(news));
    });
    server.route('/h/archive-2019.xml', behave.body(urlset([{ loc: `${b}/h/2019/1`, lastmod: Date.parse('2019-06-01') }]), 'application/xml'));

    await poll('/h/index.xml');
    const jobs = await pageJobs();
    expect(jobs.map((j) => j.url).sort()).toEqual([`${b}/h/1`, `${b}/h/2`]);
    expect(jobs.find((j) => j.url === `${b}/h/1`)?.item).toMatchObject({ title: 'Ferry timetable cut', lang: 'en', keywords: ['harbour', 'city'] });
    expect(hits('/h/archive-2019.xml')).toBe(0);
    const state = await redis.hgetall(deps.keys.feedState(feedId(server.url('/h/index.xml'))));
    expect(state).toMatchObject({ kind: 'sitemap', failures: '0', itemsQueued: '2', title: 'Quay Herald' });

    // Same index, same child lastmod: the child is not fetched again.
    later();
    await poll('/h/index.xml');
    expect(hits('/h/news.xml.gz')).toBe(1);
    expect(await pageJobs()).toHaveLength(2);

    // The child changed: fetched again (conditionally), and only the new entry is queued.
    clock += 60_000;
    newsLastmod = clock;
    news = newsSitemap([
      { loc: `${b}/h/3`, title: 'Harbour master retires', published: clock - 60_000 },
      { loc: `${b}/h/1`, title: 'Ferry timetable cut', published: now - 3_600_000 },
    ]);
    later();
    await poll('/h/index.xml');
    expect(hits('/h/news.xml.gz')).toBe(2);
    expect((await pageJobs()).map((j) => j.url).sort()).toEqual([`${b}/h/1`, `${b}/h/2`, `${b}/h/3`]);
    expect(hits('/h/archive-2019.xml')).toBe(0);
  });

  it('takes undated entries (plain text) only when they appear after the first read of their file', async () => {
    const b = server.baseUrl;
    let lines = [`${b}/t/a`, `${b}/t/b`, `${b}/t/c`];
    server.route('/t/sitemap.txt', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\n')));
    const before = (await pageJobs()).length;
    await poll('/t/sitemap.txt');
    expect((await pageJobs()).length).toBe(before);
    lines = [`${b}/t/new`, ...lines];
    later();
    await poll('/t/sitemap.txt');
    expect((await pageJobs()).map((j) => j.url).filter((u) => u.includes('/t/'))).toEqual([`${b}/t/new`]);
  });

  it('fails a hostile sitemap with a clear reason and harms nothing else', async () => {
    const b = server.baseUrl;
    server.route('/x/self.xml', behave.body(index([{ loc: `${b}/x/self.xml` }]), 'application/xml'));
    expect(await failure('/x/self.xml')).toMatch(/^sitemap_loop: .*lists .*\/x\/self\.xml, which is itself or an index above it/);
    server.route('/x/a.xml', behave.body(index([{ loc: `${b}/x/b.xml` }]), 'application/xml'));
    server.route('/x/b.xml', behave.body(index([{ loc: `${b}/x/a.xml` }]), 'application/xml'));
    expect(await failure('/x/a.xml')).toMatch(/^sitemap_loop: /);
    server.route('/x/d1.xml', behave.body(index([{ loc: `${b}/x/d2.xml` }]), 'application/xml'));
    server.route('/x/d2.xml', behave.body(index([{ loc: `${b}/x/d3.xml` }]), 'application/xml'));
    server.route('/x/d3.xml', behave.body(index([{ loc: `${b}/x/d4.xml` }]), 'application/xml'));
    expect(await failure('/x/d1.xml')).toMatch(/^sitemap_too_deep: /);
    server.route('/x/foreign.xml', behave.body(urlset([{ loc: 'https://elsewhere.example/a', lastmod: clock }]), 'application/xml'));
    expect(await failure('/x/foreign.xml')).toMatch(/^sitemap_foreign_urls: .*every one of its 1 URLs is on another site/);
    server.route('/x/bomb.xml.gz', behave.body(gzipSync(Buffer.alloc(60 * 1024 * 1024, 0x20)), 'application/octet-stream'));
    expect(await failure('/x/bomb.xml.gz')).toMatch(/^sitemap_too_large: /);
    const state = await redis.hgetall(deps.keys.feedState(feedId(server.url('/x/self.xml'))));
    expect(state).toMatchObject({ failures: '1', lastErrorCode: 'sitemap_loop' });
    // A broken child (a stale 404 entry) is skipped and noted; its siblings are read. An index
    // none of whose children can be read fails.
    server.route('/x/partial.xml', behave.body(index([{ loc: `${b}/x/gone.xml`, lastmod: clock }, { loc: `${b}/x/fine.xml`, lastmod: clock }]), 'application/xml'));
    server.route('/x/fine.xml', behave.body(urlset([{ loc: `${b}/x/fine-entry`, lastmod: clock }]), 'application/xml'));
    await poll('/x/partial.xml');
    expect((await pageJobs()).map((j) => j.url)).toContain(`${b}/x/fine-entry`);
    const partial = await redis.hgetall(deps.keys.feedState(feedId(server.url('/x/partial.xml'))));
    expect(partial).toMatchObject({ failures: '0' });
    expect(partial.lastWarning).toMatch(/gone\.xml: http_404/);
    server.route('/x/all-gone.xml', behave.body(index([{ loc: `${b}/x/gone.xml`, lastmod: clock }]), 'application/xml'));
    expect(await failure('/x/all-gone.xml')).toMatch(/^http_404: /);
    // Mixed: other sites' entries are dropped and noted, the site's own are taken.
    server.route('/x/mixed.xml', behave.body(urlset([{ loc: 'https://elsewhere.example/b', lastmod: clock }, { loc: `${b}/x/own`, lastmod: clock }]), 'application/xml'));
    await poll('/x/mixed.xml');
    expect((await pageJobs()).map((j) => j.url)).toContain(`${b}/x/own`);
    expect((await pageJobs()).map((j) => j.url)).not.toContain('https://elsewhere.example/b');
  });
});

describe('sitemap polling: caps, new files, redirects, workers (real Redis)', { timeout: scaled(120_000) }, () => {
  const prefix = randomPrefix('sitemap-b');
  let redis: Redis;
  let queues: QueueSet;
  let server: MisbehavingServer;
  let clock = Date.now();
  const depsWith = (extra: Record<string, unknown> = {}): PipelineDeps => ({
    config: parseConfig({ redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { perHost: { minInterval: 0 } }, ...extra }, 'test', {}),
    redis,
    queues,
    keys: keysFor(prefix),
    log: silentLogger,
    now: () => new Date(clock),
  });
  const ctx = (): JobContext => ({ log: silentLogger, job: {} as JobContext['job'], attempt: 1, enqueue: (jobs) => enqueue(queues, jobs) });
  const urls = async () => (await queues.get('page').getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => (j.data as { url: string }).url);
  const hits = (path: string) => server.requests.filter((r) => r.path === path).length;

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    server = await startMisbehavingServer();
  });
  afterAll(async () => {
    await queues.close();
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('reads every child of a big index over successive polls, even while the index answers 304', async () => {
    const b = server.baseUrl;
    const etag = '"idx1"';
    server.route('/big/index.xml', (req, res) => {
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      res.writeHead(200, { 'content-type': 'application/xml', etag }).end(index(Array.from({ length: 60 }, (_, i) => ({ loc: `${b}/big/c${i}.xml` }))));
    });
    server.route('/big/*', (req, res) => {
      const i = /c(\d+)\.xml/.exec(req.url!)?.[1];
      res.writeHead(200, { 'content-type': 'application/xml' }).end(urlset([{ loc: `${b}/big/entry-${i}`, lastmod: clock }]));
    });
    const poll = feedPollHandler(depsWith());
    await poll({ feedUrl: `${b}/big/index.xml`, name: null }, ctx());
    expect((await urls()).filter((u) => u.includes('/big/entry-'))).toHaveLength(50);
    clock += 7 * 3_600_000;
    await poll({ feedUrl: `${b}/big/index.xml`, name: null }, ctx());
    expect((await urls()).filter((u) => u.includes('/big/entry-'))).toHaveLength(60);
    const children = server.requests.filter((r) => /^\/big\/c\d+\.xml$/.test(r.path)).map((r) => r.path);
    expect(new Set(children).size).toBe(60);
  });

  it('takes the undated entries of a child file the index lists for the first time', async () => {
    const b = server.baseUrl;
    const children = [{ loc: `${b}/nf/posts-0.txt` }];
    server.route('/nf/index.xml', (_req, res) => void res.writeHead(200, { 'content-type': 'application/xml' }).end(index(children)));
    server.route('/nf/posts-0.txt', behave.body(`${b}/nf/old-a\n${b}/nf/old-b\n`));
    server.route('/nf/posts-1.txt', behave.body(`${b}/nf/new-a\n${b}/nf/new-b\n`));
    const poll = feedPollHandler(depsWith());
    await poll({ feedUrl: `${b}/nf/index.xml`, name: null }, ctx());
    expect((await urls()).filter((u) => u.includes('/nf/'))).toEqual([]);
    children.push({ loc: `${b}/nf/posts-1.txt` });
    clock += 7 * 3_600_000;
    await poll({ feedUrl: `${b}/nf/index.xml`, name: null }, ctx());
    expect((await urls()).filter((u) => u.includes('/nf/')).sort()).toEqual([`${b}/nf/new-a`, `${b}/nf/new-b`]);
  });

  it('reads a file two sub-indexes both list once, without calling it a loop', async () => {
    const b = server.baseUrl;
    server.route('/two/index.xml', behave.body(index([{ loc: `${b}/two/a.xml` }, { loc: `${b}/two/b.xml` }]), 'application/xml'));
    server.route('/two/a.xml', behave.body(index([{ loc: `${b}/two/shared.xml` }]), 'application/xml'));
    server.route('/two/b.xml', behave.body(index([{ loc: `${b}/two/shared.xml` }]), 'application/xml'));
    server.route('/two/shared.xml', behave.body(urlset([{ loc: `${b}/two/entry`, lastmod: clock }]), 'application/xml'));
    await feedPollHandler(depsWith({ sitemaps: { maxDepth: 3 } }))({ feedUrl: `${b}/two/index.xml`, name: null }, ctx());
    expect(await urls()).toContain(`${b}/two/entry`);
    expect(hits('/two/shared.xml')).toBe(1);
  });

  it('judges entries by the site the sitemap was asked for when it redirects to a CDN host', async () => {
    const b = server.baseUrl;
    const cdn = b.replace('127.0.0.1', 'localhost');
    server.route('/cdn/moved.xml', behave.redirect(`${cdn}/cdn/sitemap.xml`));
    server.route('/cdn/sitemap.xml', behave.body(urlset([{ loc: `${b}/cdn/entry`, lastmod: clock }]), 'application/xml'));
    await feedPollHandler(depsWith({ network: { allow: ['127.0.0.1', 'localhost'] } }))({ feedUrl: `${b}/cdn/moved.xml`, name: null }, ctx());
    expect(await urls()).toContain(`${b}/cdn/entry`);
  });

  it('remembers every recent entry of a big sitemap, beyond fetch.rememberPerFeed, so none is queued twice', async () => {
    const b = server.baseUrl;
    let version = 1;
    const entries = Array.from({ length: 300 }, (_, i) => ({ loc: `${b}/many/${i}`, lastmod: clock - i * 60_000 }));
    server.route('/many/sitemap.xml', (_req, res) => void res.writeHead(200, { 'content-type': 'application/xml', etag: `"v${version}"` }).end(urlset(entries)));
    const poll = feedPollHandler(depsWith({ fetch: { perHost: { minInterval: 0 }, rememberPerFeed: 100 } }));
    await poll({ feedUrl: `${b}/many/sitemap.xml`, name: null }, ctx());
    const queued = async () => (await urls()).filter((u) => u.includes('/many/')).length;
    expect(await queued()).toBe(300);
    // Their page jobs finish and leave the queue; the sitemap changes and is read again.
    await queues.get('page').obliterate({ force: true });
    version = 2;
    clock += 3_600_000;
    await poll({ feedUrl: `${b}/many/sitemap.xml`, name: null }, ctx());
    expect(await queued()).toBe(0);
  });

  it('reads an index and its child inside a worker under the default per-host spacing', async () => {
    const b = server.baseUrl;
    server.route('/w/index.xml', behave.body(index([{ loc: `${b}/w/child.xml` }]), 'application/xml'));
    server.route('/w/child.xml', behave.body(urlset([{ loc: `${b}/w/entry`, lastmod: Date.now() }]), 'application/xml'));
    const deps = { ...depsWith({ fetch: {} }), now: () => new Date() };
    expect(deps.config.fetch.perHost.minInterval).toBe(1000);
    const connection = testRedis();
    const worker = startWorker('feed', { 'feed.poll': feedPollHandler(deps) }, { connection, queues, log: silentLogger, concurrency: 1 });
    try {
      await enqueue(queues, [next('feed.poll', { feedUrl: `${b}/w/index.xml`, name: null })]);
      const deadline = Date.now() + scaled(20_000);
      while (!(await urls()).includes(`${b}/w/entry`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await urls()).toContain(`${b}/w/entry`);
      expect(hits('/w/index.xml')).toBe(1);
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });
});

describe('finding a site\'s sources', () => {
  let server: MisbehavingServer;
  beforeAll(async () => {
    server = await startMisbehavingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('takes the page\'s feed and the news sitemap, reports the rest, and takes a sitemap URL as it is', async () => {
    const b = server.baseUrl;
    const now = Date.now();
    server.route('/', behave.body(`<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>Home</body></html>`, 'text/html'));
    server.route('/robots.txt', behave.body(`User-agent: *\nDisallow: /private\nSitemap: ${b}/sitemap-pages.xml\nSitemap: ${b}/gone.xml\n`));
    server.route('/sitemap-pages.xml', behave.body(urlset([{ loc: `${b}/about` }, { loc: `${b}/contact` }]), 'application/xml'));
    server.route('/news-sitemap.xml', behave.body(newsSitemap([{ loc: `${b}/n/1`, title: 'One', published: now }]), 'application/xml'));
    server.route('/sitemap.xml', behave.body('<!doctype html><html><body>Not here</body></html>', 'text/html'));
    const config = parseConfig({ network: { allow: ['127.0.0.1'] } }, 'test', {});
    const get = (u: string) => fetchWithConfig(config, u);
    const site = await discoverSources(`${b}/`, get);
    expect(site.found).toEqual([
      { url: `${b}/rss.xml`, kind: 'feed', via: 'page' },
      { url: `${b}/sitemap-pages.xml`, kind: 'sitemap', via: 'robots.txt', entries: 2 },
      { url: `${b}/news-sitemap.xml`, kind: 'news sitemap', via: '/news-sitemap.xml', entries: 1 },
    ]);
    expect(site.add).toEqual([`${b}/rss.xml`, `${b}/news-sitemap.xml`]);
    expect(site.misses).toEqual([expect.stringMatching(/gone\.xml \(robots\.txt\): .*answered 404/), expect.stringMatching(/sitemap\.xml \(\/sitemap\.xml\): not a sitemap/)]);
    const direct = await discoverSources(`${b}/news-sitemap.xml`, get);
    expect(direct).toMatchObject({ found: [{ kind: 'news sitemap', via: 'given' }], add: [`${b}/news-sitemap.xml`] });
  });
});

describe('sitemaps end to end: robots.txt → index → gzipped news sitemap, real pages', { timeout: scaled(180_000) }, () => {
  const prefix = randomPrefix('sitemap-e2e');
  const dir = mkdtempSync(join(tmpdir(), 'nf-sitemap-'));
  let redis: Redis;
  let server: MisbehavingServer;

  beforeAll(async () => {
    redis = testRedis();
    server = await startMisbehavingServer();
  });
  afterAll(async () => {
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('stores every recent article exactly once, over two polls, and fetches nothing of the archive', async () => {
    const b = server.baseUrl;
    const now = Date.now();
    const recent = Array.from({ length: 6 }, (_, i) => ({ loc: `${b}/news/2026/story-${i}`, title: `Harbour story ${i}`, published: now - (i + 1) * 3_600_000 }));
    const stale = { loc: `${b}/news/2026/last-week`, title: 'Last week', published: now - 6 * 86_400_000 };
    server.route('/', behave.body('<!doctype html><html><head><title>Quay Herald</title></head><body><h1>Quay Herald</h1><p>News from the quay.</p></body></html>', 'text/html'));
    server.route('/robots.txt', behave.body(`User-agent: *\nAllow: /\n\nSitemap: ${b}/sitemaps/index.xml\n`));
    let newsLastmod = now - 60_000;
    server.route('/sitemaps/index.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(index([{ loc: `${b}/sitemaps/news.xml.gz`, lastmod: newsLastmod }, { loc: `${b}/sitemaps/archive-2019.xml`, lastmod: Date.parse('2019-12-31') }]));
    });
    server.route('/sitemaps/news.xml.gz', (_req, res) => void res.writeHead(200, { 'content-type': 'application/gzip' }).end(gzipSync(newsSitemap([...recent, stale]))));
    server.route('/sitemaps/archive-2019.xml', behave.body(urlset([{ loc: `${b}/archive/2019/1`, lastmod: Date.parse('2019-05-01') }]), 'application/xml'));
    server.route('/news/*', (req, res) => {
      const slug = req.url!.split('/').pop()!;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(`Quay Herald ${slug}`));
    });
    server.route('/archive/*', behave.body(page('archive'), 'text/html'));

    const jsonl = join(dir, 'articles.jsonl');
    const configInput = {
      redis: { prefix },
      network: { allow: ['127.0.0.1'] },
      fetch: { perHost: { minInterval: 0 } },
      extract: { threads: 1 },
      sinks: { jsonl: { path: jsonl } },
    };
    const configFile = writeConfig(dir, configInput);
    const pipeline = await startPipeline({ config: parseConfig(configInput, 'test', {}), redisUrl: TEST_REDIS_URL, log: silentLogger, roles: ['fetch', 'extract', 'classify', 'store'] });
    try {
      const added = await newsflow(['feeds', 'add', `${b}/`, '--config', configFile]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(/sitemap index +http:\/\/127\.0\.0\.1:\d+\/sitemaps\/index\.xml \(robots\.txt, 2 child sitemaps\)/);
      expect(added.stdout).toContain(`added ${b}/sitemaps/index.xml`);

      const stored = () => (existsSync(jsonl) ? readFileSync(jsonl, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; lang: string | null }) : []);
      const waitStored = async (want: Set<string>) => {
        const deadline = Date.now() + scaled(90_000);
        while (stored().filter((a) => want.has(a.id)).length < want.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      };
      await waitStored(new Set(recent.map((r) => articleId(r.loc))));

      // The site publishes one more story; the next poll (forced now) takes it and nothing twice.
      recent.push({ loc: `${b}/news/2026/story-new`, title: 'Harbour story new', published: Date.now() });
      newsLastmod = Date.now();
      const want = new Set(recent.map((r) => articleId(r.loc)));
      await redis.hdel(keysFor(prefix).feedState(feedId(`${b}/sitemaps/index.xml`)), 'nextPoll');
      await enqueue(pipeline.queues, [next('feed.poll', { feedUrl: `${b}/sitemaps/index.xml`, name: null })]);
      await waitStored(want);
      await new Promise((r) => setTimeout(r, 1000));
      const rows = stored();
      expect(rows.map((r) => r.id).sort()).toEqual([...want].sort());
      expect(rows.every((r) => r.lang === 'en')).toBe(true);
      expect(server.requests.filter((r) => r.path.startsWith('/archive') || r.path === '/sitemaps/archive-2019.xml')).toEqual([]);
      expect(server.requests.filter((r) => r.path === '/news/2026/last-week')).toEqual([]);
      const list = await newsflow(['feeds', 'list', '--config', configFile]);
      expect(list.stdout).toContain(`${b}/sitemaps/index.xml  [sitemap, added]`);
      expect(list.stdout).toContain('queued 7');
    } finally {
      await pipeline.stop();
    }

    // The archive is for backfill: a date range picks the 2019 entries. (The news child is read
    // too: a file changed recently may still list old pages; only one last changed before the
    // range is left unread.)
    const backfilled = await newsflow(['backfill', `${b}/sitemaps/index.xml`, '--since', '2019-01-01', '--until', '2019-12-31', '--no-wait', '--config', configFile]);
    expect(backfilled.code, backfilled.stderr).toBe(0);
    expect(backfilled.stderr).toContain('sitemap, 3 file(s), 9 entries, 1 in range');
    const recentOnly = await newsflow(['backfill', `${b}/sitemaps/index.xml`, '--since', new Date(Date.now() - 86_400_000).toISOString(), '--no-wait', '--config', configFile]);
    expect(recentOnly.stderr).toContain('1 child sitemap(s) older than the range not read');
    expect(recentOnly.stdout).toContain('queued 0,');
    expect(backfilled.stdout).toContain('queued 1,');
    const queues = createQueues(redis, prefix);
    const waiting = (await queues.get('page').getJobs(['waiting'])).map((j) => (j.data as { url: string }).url);
    await queues.close();
    expect(waiting).toEqual([`${b}/archive/2019/1`]);
    const onFeed = await newsflow(['backfill', `${b}/feed-not-here.xml`, '--since', '2019-01-01', '--no-wait', '--config', configFile]);
    expect(onFeed.code).toBe(1);
  });
});
