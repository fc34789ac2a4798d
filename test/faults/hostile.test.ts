// The hostile-input corpus (test/fixtures/hostile, plus large and behavioural cases built here)
// through the real pipeline: each broken or malicious feed is a configured feed, each broken page
// an item of an ordinary feed, with normal articles mixed in. Every case must end in a clear
// outcome: a failed (or retrying) job with a readable reason, carrying the expected code where one
// is listed, or a harmless best-effort result. No worker process dies, none grows past 1.5 GB,
// no private address is connected to, and the normal articles are stored.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedId, keysFor } from '../../src/shared/keys.js';
import { articleId } from '../../src/shared/url.js';
import type { HostileCase } from '../fixtures/hostile/generate.js';
import { articlePage } from '../helpers/corpus.js';
import { behave, startMisbehavingServer, type Handler, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { faultConfig, Probe, RoleProcesses, rssOf, writeConfig } from '../helpers/pipeline-harness.js';
import { scaled, scaledSeconds } from '../helpers/time-scale.js';

/** Ids in the JSONL file, read from the start of each line without parsing whole records. */
function storedIds(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  return new Set([...readFileSync(file, 'utf8').matchAll(/^\{"id":"([^"]+)"/gm)].map((m) => m[1]!));
}

const HOSTILE = join(import.meta.dirname, '..', 'fixtures', 'hostile');
const RSS_LIMIT = 1.5 * 1024 ** 3;
const NORMAL = 5;

interface Case {
  name: string;
  kind: 'feed' | 'page';
  path: string;
  expect: 'error' | 'ok' | 'any';
  code?: string;
  handler: Handler;
  /** Served by this server instead of the main one. */
  on?: MisbehavingServer;
}

const serveFile = (c: HostileCase): Handler => {
  const raw = readFileSync(join(HOSTILE, c.file));
  return (_req, res, ctx) => {
    // {{BASE}} becomes this server; latin1 round-trips any bytes unchanged.
    const body = raw.includes('{{BASE}}') ? Buffer.from(raw.toString('latin1').replaceAll('{{BASE}}', ctx.server.baseUrl), 'latin1') : raw;
    res.writeHead(200, c.contentType ? { 'content-type': c.contentType } : {}).end(body);
  };
};

const big = (build: () => string, contentType: string): Handler => {
  let body: Buffer | undefined;
  return (_req, res) => void res.writeHead(200, { 'content-type': contentType }).end((body ??= Buffer.from(build())));
};

/** Large and behavioural cases: built here, not committed. */
function dynamicCases(other: MisbehavingServer, third: MisbehavingServer): Omit<Case, 'path'>[] {
  const bigItems = (n: number) =>
    `<?xml version="1.0"?><rss version="2.0"><channel><title>Enormous</title>${Array.from({ length: n }, (_, i) => `<item><title>Item ${i} ${'padding '.repeat(40)}</title><link>/ok/enormous.html</link><guid>e${i}</guid><description>${'text '.repeat(40)}</description></item>`).join('\n')}</channel></rss>`;
  const deep = `<!doctype html><html><head><title>Deep</title></head><body>${'<div>'.repeat(100_000)}<p>${'Deep inside a hundred thousand divs the report goes on. '.repeat(10)}</p>${'</div>'.repeat(100_000)}</body></html>`;
  const line = `<!doctype html><html><head><title>One line</title></head><body><article><p>${'An extremely long single line of article text without any break. '.repeat(70_000)}</p></article></body></html>`;
  const tiny = `<!doctype html><html><head><title>Tiny paragraphs</title></head><body><article>${'<p>Short one.</p>'.repeat(60_000)}</article></body></html>`;
  const redirectTo = (location: string): Handler => behave.redirect(location);
  const feed = (name: string, handler: Handler, expect: Case['expect'], code?: string) => ({ name, kind: 'feed' as const, handler, expect, ...(code ? { code } : {}) });
  const page = (name: string, handler: Handler, expect: Case['expect'], code?: string) => ({ name, kind: 'page' as const, handler, expect, ...(code ? { code } : {}) });
  const loop: Handler = (req, res) => void res.writeHead(302, { location: `${req.url!.slice(0, -2)}-b` }).end();
  // Sitemaps (polled as feed sources): every hostile shape fails its own source with a reason.
  const SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"';
  const xml = (body: string): Handler => behave.body(`<?xml version="1.0"?>${body}`, 'application/xml');
  const selfIndex: Handler = (req, res, ctx) =>
    void res.writeHead(200, { 'content-type': 'application/xml' }).end(`<sitemapindex ${SM}><sitemap><loc>${ctx.server.baseUrl}${req.url}</loc></sitemap></sitemapindex>`);
  const loopIndex = (to: string): Handler => (_req, res, ctx) =>
    void res.writeHead(200, { 'content-type': 'application/xml' }).end(`<sitemapindex ${SM}><sitemap><loc>${ctx.server.baseUrl}${to}</loc></sitemap></sitemapindex>`);
  // Ten million URLs (~450 MB), generated as it is read: the byte cap must stop it, not memory.
  const tenMillion: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.write(`<urlset ${SM}>`);
    const chunk = Array.from({ length: 1000 }, (_, i) => `<url><loc>http://127.0.0.1/x/${i}</loc></url>`).join('');
    let sent = 0;
    const pump = () => {
      while (!res.destroyed && sent < 10_000) {
        sent += 1;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('</urlset>');
    };
    pump();
  };
  const lol = `<!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><urlset ${SM}><url><loc>http://127.0.0.1/&d;</loc></url></urlset>`;
  const sitemaps = [
    feed('sitemap-billion-laughs', xml(lol), 'error', 'xml_entities'),
    feed('sitemap-index-lists-itself', selfIndex, 'error', 'sitemap_loop'),
    feed('sitemap-index-loop-a', loopIndex('/dyn/sitemap-index-loop-b'), 'error', 'sitemap_loop'),
    feed('sitemap-gzip-bomb.xml.gz', behave.body(gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 }), 'application/gzip'), 'error', 'sitemap_too_large'),
    feed('sitemap-ten-million-urls', tenMillion, 'error', 'too_large'),
    feed('sitemap-50001-urls', big(() => `<urlset ${SM}>${Array.from({ length: 50_001 }, (_, i) => `<url><loc>http://127.0.0.1/y/${i}</loc></url>`).join('')}</urlset>`, 'application/xml'), 'error', 'sitemap_too_many_urls'),
    // Tags that never close: read in one pass, nothing taken, nothing hangs.
    feed('sitemap-unclosed-tags', big(() => `<urlset ${SM}>${'<a '.repeat(1_000_000)}`, 'application/xml'), 'ok'),
    feed('sitemap-other-sites-urls', xml(`<urlset ${SM}><url><loc>https://victim.example/a</loc><lastmod>2026-01-01</lastmod></url></urlset>`), 'error', 'sitemap_foreign_urls'),
  ];
  return [
    ...sitemaps,
    feed('enormous-feed-8mb', big(() => bigItems(14_000), 'application/rss+xml'), 'ok'),
    feed('over-cap-feed-12mb', big(() => bigItems(20_000), 'application/rss+xml'), 'error', 'too_large'),
    feed('gzip-bomb-feed', behave.gzipBomb(200 * 1024 * 1024), 'error', 'too_large'),
    feed('redirect-loop-feed-a', loop, 'error', 'redirect_loop'),
    feed('redirect-chain-feed', behave.redirect('/chain/9'), 'error', 'too_many_redirects'),
    feed('redirect-to-10-feed', redirectTo('http://10.0.0.1/feed.xml'), 'error', 'blocked_address'),
    feed('redirect-to-metadata-feed', redirectTo('http://169.254.169.254/latest/meta-data/'), 'error', 'blocked_address'),
    feed('redirect-to-ipv6-loopback-feed', redirectTo('http://[::1]:6379/'), 'error', 'blocked_address'),
    feed('redirect-to-mapped-feed', redirectTo('http://[::ffff:192.168.0.1]/'), 'error', 'blocked_address'),
    feed('redirect-to-file-feed', redirectTo('file:///etc/passwd'), 'error', 'bad_redirect'),
    feed('redirect-to-javascript-feed', redirectTo('javascript:alert(1)'), 'error', 'bad_redirect'),
    feed('slow-loris-feed', behave.trickle(200), 'error'),
    feed('slow-headers-feed', behave.slowHeaders(60_000), 'error'),
    feed('cut-mid-body-feed', behave.truncated('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'), 'error'),
    feed('http-500-feed', behave.status(500, {}, 'boom'), 'error'),
    feed('http-404-feed', behave.status(404), 'error', 'http_404'),
    feed('http-410-feed', behave.status(410), 'error', 'http_410'),
    // 429/503 make the whole host wait (Retry-After, else a minute): on a host of their own.
    { ...feed('http-429-feed', behave.status(429, { 'retry-after': '86400' }), 'error'), on: other },
    { ...feed('http-503-feed', behave.status(503), 'error'), on: third },
    feed('unknown-encoding-feed', (_q, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'compress' }).end('x'), 'error', 'unsupported_encoding'),
    feed('broken-gzip-feed', (_q, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' }).end(Buffer.from('1f8b08000000000000ffdeadbeef', 'hex')), 'error', 'bad_encoding'),
    feed('broken-brotli-feed', (_q, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'br' }).end(Buffer.from('not brotli at all')), 'error', 'bad_encoding'),
    feed('empty-200-no-headers', (_q, res) => void res.writeHead(200).end(), 'error', 'feed_parse'),
    page('deep-nesting-100k', big(() => deep, 'text/html'), 'any'),
    page('single-line-5mb', big(() => line, 'text/html'), 'any'),
    page('60k-tiny-paragraphs', big(() => tiny, 'text/html'), 'any'),
    page('over-cap-page-11mb', behave.huge(11 * 1024 * 1024, { declareLength: true }), 'error', 'too_large'),
    page('over-cap-page-undeclared', behave.huge(11 * 1024 * 1024), 'error', 'too_large'),
    page('gzip-bomb-page', behave.gzipBomb(200 * 1024 * 1024), 'error', 'too_large'),
    page('slow-loris-page', behave.trickle(200), 'error'),
    page('redirect-loop-page-a', loop, 'error', 'redirect_loop'),
    page('redirect-to-10-page', redirectTo('http://10.0.0.1/article.html'), 'error', 'blocked_address'),
    page('redirect-to-metadata-page', redirectTo('http://169.254.169.254/latest/meta-data/iam/'), 'error', 'blocked_address'),
    page('http-404-page', behave.status(404), 'error', 'http_404'),
    page('empty-200-no-type', (_q, res) => void res.writeHead(200).end(), 'error'),
    page('reset-before-headers', (req) => void req.socket.destroy(), 'error'),
  ];
}

describe('hostile inputs through the real pipeline', () => {
  let redis: Redis;
  let server: MisbehavingServer;
  let other: MisbehavingServer;
  let third: MisbehavingServer;
  const prefix = randomPrefix('hostile');
  const cases: Case[] = [];

  beforeAll(async () => {
    redis = testRedis();
    server = await startMisbehavingServer({ '/robots.txt': behave.body('User-agent: *\nAllow: /\n') });
    other = await startMisbehavingServer();
    third = await startMisbehavingServer();
    const manifest = JSON.parse(readFileSync(join(HOSTILE, 'manifest.json'), 'utf8')) as HostileCase[];
    for (const c of manifest) cases.push({ name: c.file, kind: c.kind, path: `/hostile/${c.file}`, expect: c.expect, ...(c.code ? { code: c.code } : {}), handler: serveFile(c) });
    for (const c of dynamicCases(other, third)) cases.push({ ...c, path: `/dyn/${c.name}` });
    for (const c of cases) (c.on ?? server).route(c.path, c.handler);
    server.route('/dyn/redirect-loop-feed-b', (_req, res) => void res.writeHead(302, { location: '/dyn/redirect-loop-feed-a' }).end());
    server.route('/dyn/redirect-loop-page-b', (_req, res) => void res.writeHead(302, { location: '/dyn/redirect-loop-page-a' }).end());
    server.route('/dyn/sitemap-index-loop-b', (_req, res, ctx) => {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${ctx.server.baseUrl}/dyn/sitemap-index-loop-a</loc></sitemap></sitemapindex>`);
    });
    server.route('/chain/*', behave.redirectChain(behave.body('<rss/>', 'application/rss+xml')));
    // Ordinary articles: what hostile feeds link to, and the normal ones mixed in.
    server.route('/ok/*', (req: http.IncomingMessage, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(articlePage(path, `Ordinary article ${path}`).replaceAll('{{BASE}}', server.baseUrl));
    });
    const pageItems = [
      ...cases.filter((c) => c.kind === 'page').map((c) => c.path),
      ...Array.from({ length: NORMAL }, (_, i) => `/ok/normal-${i}.html`),
    ];
    server.route(
      '/pages-feed.xml',
      behave.body(
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Pages</title>${pageItems.map((p, i) => `<item><title>Page ${i}</title><link>${server.url(p)}</link><guid>p${i}</guid></item>`).join('\n')}</channel></rss>`,
        'application/rss+xml',
      ),
    );
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    await server.close();
    await other.close();
    await third.close();
  });

  it(`${'≥'}100 hostile feeds and pages end in a clear error or a harmless result; no crash, bounded memory, normal articles stored`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const dir = mkdtempSync(join(tmpdir(), 'nf-hostile-'));
    const jsonl = join(dir, 'articles.jsonl');
    const feedCases = cases.filter((c) => c.kind === 'feed');
    const urlOf = (c: Case) => (c.on ?? server).url(c.path);
    const config = writeConfig(
      dir,
      faultConfig({
        prefix,
        feeds: [...feedCases.map(urlOf), server.url('/pages-feed.xml')],
        jsonl,
        extra: {
          // Generous enough that a loaded CI machine does not turn a cap (too_large) into a timeout.
          network: { allow: ['127.0.0.1'], timeout: scaledSeconds(8) },
          fetch: { concurrency: 8, perHost: { concurrency: 8, minInterval: 0 } },
          extract: { threads: 2, concurrency: 4, timeout: scaledSeconds(15) },
          queues: { lockDuration: '30s', stalledInterval: '30s' },
        },
      }),
    );
    const procs = new RoleProcesses(config, { REDIS_URL: TEST_REDIS_URL });
    const probe = new Probe(redis, prefix);
    const keys = keysFor(prefix);
    const peaks = new Map<string, number>();
    const sample = () => {
      for (const [role, p] of procs.procs) {
        const m = p.child.pid ? rssOf(p.child.pid) : null;
        if (m) peaks.set(role, Math.max(peaks.get(role) ?? 0, m.peak, m.rss));
      }
    };
    const sampler = setInterval(sample, 250);

    type Outcome = { ok: boolean; reason: string } | null;
    const stages = ['page', 'extract', 'classify', 'store'] as const;
    const outcomeOf = async (c: Case, stored: Set<string>): Promise<Outcome> => {
      const url = urlOf(c);
      if (c.kind === 'feed') {
        const s = await redis.hgetall(keys.feedState(feedId(url)));
        if (s.lastErrorCode || s.lastError) return { ok: false, reason: `${s.lastErrorCode}: ${s.lastError}` };
        if (s.lastSuccess) return { ok: true, reason: '' };
        return null;
      }
      const id = articleId(url);
      if (stored.has(id)) return { ok: true, reason: '' };
      for (const stage of stages) {
        const jobId = stage === 'store' ? `store-jsonl-${id}` : `${stage}-${id}`;
        const job = await probe.queues.get(stage).getJob(jobId);
        if (!job) continue;
        const state = await job.getState();
        if (state === 'failed') return { ok: false, reason: job.failedReason };
        // Still retrying after a transient failure: the reason is already on the job.
        if (state === 'delayed' && job.failedReason) return { ok: false, reason: `retrying: ${job.failedReason}` };
      }
      return null;
    };

    let outcomes = new Map<Case, Outcome>();
    try {
      procs.startAll();
      // Polled once a second and cheaply: this process also serves the hostile routes, and a
      // busy event loop here would turn its answers into timeouts.
      const normal = Array.from({ length: NORMAL }, (_, i) => articleId(server.url(`/ok/normal-${i}.html`)));
      const deadline = Date.now() + scaled(150_000);
      for (;;) {
        const stored = storedIds(jsonl);
        outcomes = new Map();
        for (const c of cases) outcomes.set(c, await outcomeOf(c, stored));
        if ([...outcomes.values()].every(Boolean) && normal.every((id) => stored.has(id))) break;
        if (Date.now() > deadline) {
          const open = cases.filter((c) => !outcomes.get(c)).map((c) => c.name);
          throw new Error(`timed out: unsettled: ${open.join(', ')}; normal stored: ${normal.filter((id) => stored.has(id)).length}\n${procs.output()}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      sample();
      expect(procs.crashed(), `worker processes alive\n${procs.output()}`).toEqual([]);
      for (const [role, peak] of peaks) expect(peak, `peak RSS of the ${role} process`).toBeLessThan(RSS_LIMIT);

      const problems: string[] = [];
      for (const [c, o] of outcomes) {
        if (!o) continue;
        if (!o.ok) {
          if (!o.reason || /undefined|\[object Object\]/.test(o.reason) || o.reason.length > 2000) problems.push(`${c.name}: unreadable reason ${JSON.stringify(o.reason.slice(0, 200))}`);
          if (c.code && !o.reason.replace(/^retrying: /, '').startsWith(`${c.code}: `)) problems.push(`${c.name}: expected ${c.code}, got ${o.reason.slice(0, 160)}`);
        }
        if (c.expect === 'error' && o.ok) problems.push(`${c.name}: expected an error, got a result`);
        if (c.expect === 'ok' && !o.ok) problems.push(`${c.name}: expected a harmless result, got ${o.reason.slice(0, 160)}`);
      }
      // Links to private addresses inside a feed: each page job refused before any connection.
      for (const link of ['http://10.0.0.1/admin', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:6379/', 'http://0.0.0.0:5432/', 'http://192.168.1.1/', 'http://[::ffff:10.0.0.1]/', 'http://100.64.0.1/']) {
        const job = await probe.queues.get('page').getJob(`page-${articleId(link)}`);
        if (!job?.failedReason?.startsWith('blocked_address: ')) problems.push(`${link}: expected blocked_address, got ${job?.failedReason ?? 'no job'}`);
      }
      const summary = { cases: cases.length, errors: [...outcomes.values()].filter((o) => o && !o.ok).length, harmless: [...outcomes.values()].filter((o) => o?.ok).length, peakRssMb: Object.fromEntries([...peaks].map(([r, b]) => [r, Math.round(b / 2 ** 20)])) };
      console.info(`[hostile] ${JSON.stringify(summary)}`);
      // HOSTILE_VERBOSE=1 prints each case's outcome.
      if (process.env.HOSTILE_VERBOSE) for (const [c, o] of outcomes) console.info(`${c.name.padEnd(40)} ${o?.ok ? 'ok' : o?.reason.slice(0, 150)}`);
      expect(problems).toEqual([]);
    } finally {
      clearInterval(sampler);
      await procs.stopAll();
      await probe.close();
    }
  }, scaled(240_000));
});
