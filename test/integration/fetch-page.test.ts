// article.fetch end to end against real Redis and the misbehaving server: what lands in the
// parked body (decoded text, whatever the charset), what is refused and with which reason
// (robots.txt, non-HTML, too large, private redirect targets), and robots.txt fetched once per
// host with its Crawl-delay applied.
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../src/shared/config.js';
import { keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createQueues, enqueue, type NextJob, type QueueSet } from '../../src/queues/factory.js';
import { pageFetchHandler } from '../../src/workers/fetch/page.worker.js';
import type { PipelineDeps } from '../../src/workers/context.js';
import type { JobContext } from '../../src/workers/runner.js';
import type { PayloadOf } from '../../src/queues/catalog.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';

const gunzipAsync = promisify(gunzip);
const cat = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('article.fetch (real Redis)', () => {
  const prefix = randomPrefix('page');
  let redis: Redis;
  let queues: QueueSet;
  let server: MisbehavingServer;
  let deps: PipelineDeps;
  let n = 0;

  /** What the handler queued, besides queueing it. */
  let queued: NextJob[] = [];
  const ctx = (): JobContext => ({
    log: silentLogger,
    job: {} as JobContext['job'],
    attempt: 1,
    enqueue: (jobs) => {
      queued.push(...jobs);
      return enqueue(queues, jobs);
    },
  });
  const payload = (url: string): PayloadOf<'article.fetch'> => ({
    id: `a${String(++n).padStart(20, '0')}`,
    url,
    feed: { url: server.url('/feed.xml'), name: null },
    item: { title: null, published: null, author: null, guid: null },
    times: { discovered: new Date().toISOString() },
  });
  /** Fetch `path` and return the parked, decoded body and the final URL the next job carries. */
  async function fetchPage(path: string, d: PipelineDeps = deps) {
    const p = payload(server.url(path));
    queued = [];
    await pageFetchHandler(d)(p, ctx());
    const job = queued[0];
    const data = job?.data as PayloadOf<'article.extract'>;
    const body = await redis.getBuffer(data.bodyKey);
    return { html: (await gunzipAsync(body!)).toString('utf8'), finalUrl: data.finalUrl, job };
  }
  const reason = (path: string, d: PipelineDeps = deps) => pageFetchHandler(d)(payload(server.url(path)), ctx()).then(() => null, (e: { code?: string; message: string }) => e);

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    server = await startMisbehavingServer({
      '/robots.txt': behave.body('User-agent: *\nDisallow: /private/\nAllow: /private/ok\n', 'text/plain'),
      '/chain/*': behave.redirectChain(behave.body('<html><p>end of chain</p></html>', 'text/html')),
      // windows-1252 declared only in <meta>, sent without a charset in Content-Type
      '/cp1252': behave.body(cat('<html><head><meta charset="windows-1252"><title>caf', [0xe9], ' ', [0x93], 'quoted', [0x94], ' ', [0x80], '5</title></head><body>x</body></html>'), 'text/html'),
      // "ニュース" in Shift_JIS, declared in the header
      '/sjis': behave.body(cat('<html><body><p>', [0x83, 0x6a, 0x83, 0x85, 0x81, 0x5b, 0x83, 0x58], '</p></body></html>'), 'text/html; charset=Shift_JIS'),
      // UTF-8 behind a byte-order mark, against a header that says otherwise
      '/bom': behave.body(cat([0xef, 0xbb, 0xbf], '<html><body><p>na', [0xc3, 0xaf], 've</p></body></html>'), 'text/html; charset=iso-8859-1'),
      // declared UTF-8 with a stray Latin-1 byte and a truncated sequence
      '/bad-utf8': behave.body(cat('<html><body><p>caf', [0xe9], ' ok ', [0xe2, 0x82], '</p></body></html>'), 'text/html; charset=utf-8'),
      // gzip on the wire: UTF-8 is parked as received, windows-1252 decoded and re-encoded
      '/gz-utf8': behave.compressed('<html><body><p>gzipped café</p></body></html>', 'gzip', 'text/html; charset=utf-8'),
      '/gz-cp1252': behave.compressed(cat('<html><body><p>caf', [0xe9], ' ', [0x93], 'q', [0x94], '</p></body></html>'), 'gzip', 'text/html; charset=windows-1252'),
      // gzip on the wire around a UTF-8 BOM, and around invalid UTF-8: neither is parked as received
      '/gz-bom': behave.compressed(cat([0xef, 0xbb, 0xbf], '<html><body><p>bom caf', [0xc3, 0xa9], '</p></body></html>'), 'gzip', 'text/html; charset=utf-8'),
      '/gz-bad-utf8': behave.compressed(cat('<html><body><p>caf', [0xe9], '!</p></body></html>'), 'gzip', 'text/html; charset=utf-8'),
      '/big': behave.huge(300_000),
      '/slow': behave.slowHeaders(5_000),
      '/report.pdf': behave.body(Buffer.from('%PDF-1.4 binary'), 'application/pdf'),
      '/to-private': behave.redirect('http://10.0.0.1/internal'),
      '/private/secret': behave.body('<html>secret</html>', 'text/html'),
      '/private/ok': behave.body('<html>fine</html>', 'text/html'),
      '/news/*': behave.body('<html><p>news</p></html>', 'text/html'),
    });
    const config = parseConfig(
      { redis: { prefix }, network: { allow: ['127.0.0.1'], maxBytes: 100_000, timeout: '1s' }, fetch: { perHost: { minInterval: 0 } } },
      'test',
      {},
    );
    deps = { config, redis, queues, keys: keysFor(prefix), log: silentLogger };
  });

  afterAll(async () => {
    await queues.close();
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('follows up to five redirects and hands the final URL to extraction', async () => {
    const { html, finalUrl } = await fetchPage('/chain/5');
    expect(html).toContain('end of chain');
    expect(finalUrl).toBe(server.url('/chain/0'));
    expect(await reason('/chain/6')).toMatchObject({ code: 'too_many_redirects' });
  });

  it('parks windows-1252 (declared only in <meta>) and Shift_JIS pages as correctly decoded text', async () => {
    expect((await fetchPage('/cp1252')).html).toContain('café “quoted” €5');
    expect((await fetchPage('/sjis')).html).toContain('<p>ニュース</p>');
  });

  it('parks a gzipped UTF-8 page as its wire bytes and decodes a gzipped windows-1252 one', async () => {
    const utf8 = await fetchPage('/gz-utf8');
    expect(utf8.html).toContain('<p>gzipped café</p>');
    const wire = gzipSync(Buffer.from('<html><body><p>gzipped café</p></body></html>'));
    const parked = await redis.getBuffer((utf8.job!.data as PayloadOf<'article.extract'>).bodyKey);
    expect(parked!.equals(wire)).toBe(true);
    expect((await fetchPage('/gz-cp1252')).html).toContain('<p>café “q”</p>');
    const bom = (await fetchPage('/gz-bom')).html;
    expect(bom.startsWith('<html>')).toBe(true);
    expect(bom).toContain('<p>bom café</p>');
    expect((await fetchPage('/gz-bad-utf8')).html).toContain('<p>caf\uFFFD!</p>');
  });

  it('parks UTF-8 pages as they came: the BOM dropped, invalid bytes read as U+FFFD downstream', async () => {
    const bom = (await fetchPage('/bom')).html;
    expect(bom.startsWith('<html>')).toBe(true);
    expect(bom).toContain('<p>naïve</p>');
    expect((await fetchPage('/bad-utf8')).html).toContain('<p>caf\uFFFD ok \uFFFD</p>');
  });

  it('refuses with a reason: too large, not HTML, a redirect to a private address; retries a timeout', async () => {
    expect(await reason('/big')).toMatchObject({ code: 'too_large' });
    const pdf = await reason('/report.pdf');
    expect(pdf).toMatchObject({ code: 'not_html' });
    expect(pdf!.message).toContain('application/pdf');
    expect(await reason('/to-private')).toMatchObject({ code: 'blocked_address' });
    const t0 = Date.now();
    expect(await reason('/slow')).toMatchObject({ code: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('honours robots.txt: Disallow is a permanent refusal naming robots.txt; robots.txt is fetched once per host', async () => {
    const before = server.hits('/robots.txt');
    expect(before).toBeLessThanOrEqual(1); // earlier tests already asked this host
    const refused = await reason('/private/secret');
    expect(refused).toMatchObject({ code: 'robots_disallowed' });
    expect(refused!.message).toMatch(/robots\.txt of 127\.0\.0\.1:\d+ disallows \/private\/secret/);
    expect(server.hits('/private/secret')).toBe(0);
    expect((await fetchPage('/private/ok')).html).toContain('fine');
    await Promise.all([fetchPage('/news/1'), fetchPage('/news/2'), fetchPage('/news/3')]);
    expect(server.hits('/robots.txt')).toBe(1);
    expect(await redis.ttl(deps.keys.robots(new URL(server.baseUrl).host))).toBeGreaterThan(23 * 3600);
  });

  it('fetch.robots: false ignores robots.txt', async () => {
    const config = parseConfig(
      { redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { robots: false, perHost: { minInterval: 0 } } },
      'test',
      {},
    );
    expect((await fetchPage('/private/secret', { ...deps, config })).html).toContain('secret');
  });

  it("turns a host's Crawl-delay into spacing between its requests", async () => {
    const other = await startMisbehavingServer({
      '/robots.txt': behave.body('User-agent: *\nCrawl-delay: 0.4\n', 'text/plain'),
      '/a/*': behave.body('<html>a</html>', 'text/html'),
    });
    try {
      const starts: number[] = [];
      other.route('/a/*', (_req, res) => {
        starts.push(Date.now());
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a</html>');
      });
      const handler = pageFetchHandler(deps);
      const mk = (i: number) => ({ ...payload(other.url(`/a/${i}`)) });
      await Promise.all([0, 1, 2].map((i) => handler(mk(i), ctx())));
      expect(other.hits('/robots.txt')).toBe(1);
      const sorted = starts.sort((x, y) => x - y);
      // The first page shares its slot with robots.txt; after that the delay holds.
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(380);
    } finally {
      await other.close();
    }
  });
});
