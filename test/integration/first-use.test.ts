// The mistakes a new user makes in the first hour, each answered clearly (issue #23): the built
// CLI as a child process against real Redis, with a local HTTP server for pages and feeds.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { keysFor } from '../../src/shared/keys.js';
import { packagePath } from '../../src/shared/paths.js';
import { donePerMinute, recordDone } from '../../src/queues/throughput.js';
import { writeConfig } from '../helpers/newsflow-process.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';
import { newsflow } from '../helpers/cli.js';
import { scaled } from '../helpers/time-scale.js';

const ARTICLE = `<!doctype html><html><head><title>Harbour bridge reopens</title></head><body><article><h1>Harbour bridge reopens after repairs</h1>
${'<p>The harbour bridge reopened on Monday after eight months of repairs to its steel deck, the city transport office said, and buses return to the route next week.</p>'.repeat(4)}
</article></body></html>`;
const RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title><link>http://example.test/</link><item><title>Bridge reopens</title><link>http://example.test/bridge</link></item></channel></rss>';

describe('first use: every mistake gets a clear answer', { timeout: scaled(120_000) }, () => {
  const prefix = randomPrefix('first');
  const dir = mkdtempSync(join(tmpdir(), 'nf-first-'));
  let redis: Redis;
  let server: Server;
  let base = '';
  let config = '';

  beforeAll(async () => {
    redis = testRedis();
    server = createServer((req, res) => {
      if (req.url === '/feed.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(RSS);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ARTICLE);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    config = writeConfig(dir, { redis: { prefix }, network: { allow: ['127.0.0.1'] }, sinks: { jsonl: { path: join(dir, 'out.jsonl') } } });
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    await new Promise((done) => server.close(done));
  });

  it('says which dashboard port is taken and how to choose another, exits 2, and leaves nothing running', async () => {
    const taken = createTcpServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as AddressInfo).port;
    try {
      const file = writeConfig(dir, { redis: { prefix }, dashboard: { port } });
      const run = await newsflow(['start', '--workers', 'dashboard', '--config', file], { timeoutMs: scaled(60_000) });
      expect(run.stderr).toContain(`the dashboard port 127.0.0.1:${port} is already in use`);
      expect(run.stderr).toContain('dashboard.port');
      expect(run.stderr).not.toContain('Cannot destructure');
      expect(run.code).toBe(2);
    } finally {
      taken.close();
    }
  });

  it('refuses misspelt config keys with the key meant, exit 2, before touching Redis', async () => {
    const file = writeConfig(dir, { redis: { prefix }, network: { alow: ['127.0.0.1'] }, fetch: { concurency: 4 }, bogus: true });
    const run = await newsflow(['status', '--config', file], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('network.alow: unknown key; did you mean network.allow?');
    expect(run.stderr).toContain('fetch.concurency: unknown key; did you mean fetch.concurrency?');
    expect(run.stderr).toContain('bogus: unknown key');
    expect(run.stderr).not.toContain('cannot reach Redis');
  });

  it('reads network.allow from --config (or NEWSFLOW_CONFIG) in extract and feed parse, and names both fixes', async () => {
    const viaConfig = await newsflow(['extract', `${base}/bridge`, '--json', '--config', config]);
    expect(viaConfig.code).toBe(0);
    expect(JSON.parse(viaConfig.stdout).title).toContain('Harbour bridge reopens');
    expect((await newsflow(['extract', `${base}/bridge`, '--json'], { env: { NEWSFLOW_CONFIG: config } })).code).toBe(0);
    const feed = await newsflow(['feed', 'parse', `${base}/feed.xml`, '--json', '--config', config]);
    expect(JSON.parse(feed.stdout).items).toHaveLength(1);

    const strict = writeConfig(dir, { redis: { prefix } });
    const refused = await newsflow(['extract', `${base}/bridge`, '--config', strict]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pass --allow 127.0.0.1 to this command');
    expect(refused.stderr).toContain(`add 127.0.0.1 to network.allow in ${strict}`);
    expect((await newsflow(['feed', 'parse', `${base}/feed.xml`, '--config', strict, '--allow', '127.0.0.1'])).code).toBe(0);
    // classify has no --allow: its hint names the config only.
    const classify = await newsflow(['classify', `${base}/article.json`, '--config', strict]);
    expect(classify.stderr).toContain(`add 127.0.0.1 to network.allow in ${strict}`);
    expect(classify.stderr).not.toContain('--allow');
  });

  it('says which port setting is not a port, exit 2', async () => {
    const run = await newsflow(['start', '--workers', 'dashboard', '--config', config], { env: { DASHBOARD_PORT: 'abc' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DASHBOARD_PORT: must be a port number from 0 to 65535 (got "abc")');
  });

  it('says when the prefix read holds nothing but Redis holds another pipeline', async () => {
    const queue = new Queue('feed', { connection: redis, prefix });
    await queue.add('feed.poll', { feedUrl: 'https://x.example/rss' }, { jobId: 'hint-probe' });
    await queue.close();
    const elsewhere = writeConfig(dir, { redis: { prefix: `${prefix}-typo` } });
    for (const args of [['stories', 'list'], ['failed', 'list'], ['status']]) {
      const run = await newsflow([...args, '--config', elsewhere]);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stderr, args.join(' ')).toContain(`nothing has run under the prefix "${prefix}-typo"`);
      expect(run.stderr, args.join(' ')).toContain(`"${prefix}"`);
    }
    // Under the right prefix, no such note.
    expect((await newsflow(['status', '--config', config])).stderr).not.toContain('nothing has run under the prefix');
    await cleanupPrefix(redis, `${prefix}-typo`);
  });

  it('refuses to import a file that is not OPML, saying what it is', async () => {
    const rss = join(dir, 'feed.rss');
    writeFileSync(rss, RSS);
    const asRss = await newsflow(['feeds', 'import', rss, '--config', config]);
    expect(asRss.code).toBe(2);
    expect(asRss.stderr).toContain('is an RSS feed, not OPML');
    expect(asRss.stderr).toContain('newsflow feeds add');
    const binary = join(dir, 'feeds.png');
    writeFileSync(binary, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const asBinary = await newsflow(['feeds', 'import', binary, '--config', config]);
    expect(asBinary.code).toBe(2);
    expect(asBinary.stderr).toContain('is a binary file, not OPML');
    const empty = join(dir, 'empty.opml');
    writeFileSync(empty, '<?xml version="1.0"?><opml version="2.0"><head/><body></body></opml>');
    expect((await newsflow(['feeds', 'import', empty, '--config', config])).stderr).toContain('lists no feeds');
    expect((await newsflow(['feeds', 'import', join(dir, 'missing.opml'), '--config', config])).code).toBe(2);
  });

  it('counts done per minute from what finished in the last 60 seconds', async () => {
    const keys = keysFor(prefix);
    const now = Date.now();
    for (let i = 0; i < 12; i += 1) await recordDone(redis, keys, 'extract', now - i * 1000);
    for (let i = 0; i < 5; i += 1) await recordDone(redis, keys, 'extract', now - 120_000);
    expect(await donePerMinute(redis, keys, 'extract', now)).toBeCloseTo(12, 5);
    // Half a minute later half of them are still in the window (or a little more: the oldest
    // bucket is counted in proportion); 71 s later, none.
    const later = await donePerMinute(redis, keys, 'extract', now + 55_000);
    expect(later).toBeGreaterThan(0);
    expect(later).toBeLessThan(12);
    expect(await donePerMinute(redis, keys, 'extract', now + 71_000)).toBe(0);
    const status = JSON.parse((await newsflow(['status', '--json', '--config', config])).stdout);
    const extract = status.stages.find((s: { queue: string }) => s.queue === 'extract');
    expect(extract.donePerMin).toBeGreaterThanOrEqual(11);
  });

  it('tells apart articles, feeds, plain text and files in the commands that read them', async () => {
    // classify: plain text is an article without a title; HTML and broken JSON say what to give.
    const text = join(dir, 'story.txt');
    writeFileSync(text, 'The central bank raised interest rates by half a point on Thursday to fight inflation, and markets fell.');
    const plain = await newsflow(['classify', text, '--json']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).topics[0].label).toBe('business');
    expect(plain.stderr).toContain('plain text');
    const html = join(dir, 'page.html');
    writeFileSync(html, ARTICLE);
    const asHtml = await newsflow(['classify', html]);
    expect(asHtml.code).toBe(2);
    expect(asHtml.stderr).toContain(`newsflow extract ${html} --json | newsflow classify -`);
    const bracketed = await newsflow(['classify', '-', '--json'], { input: '[Updated] The central bank raised interest rates by half a point on Thursday to fight inflation, and markets fell.' });
    expect(bracketed.code).toBe(0);
    expect(JSON.parse(bracketed.stdout).topics[0].label).toBe('business');
    const broken = await newsflow(['classify', '-'], { input: '{"title": "x", ' });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('stdin is not valid JSON');
    expect(broken.stderr).not.toMatch(/^SyntaxError/m);

    // feed parse FILE: errors name the file, not a placeholder URL.
    const notFeed = await newsflow(['feed', 'parse', html]);
    expect(notFeed.code).toBe(1);
    expect(notFeed.stderr).toContain(`${html} is an HTML page, not a feed`);
    expect(notFeed.stderr).not.toContain('localhost');
    expect((await newsflow(['feed', 'parse', join(dir, 'nope.xml')])).stderr).toContain('no such file');

    // extract feed.xml: a feed is not an article.
    const feed = packagePath('fixtures', 'demo', 'feeds', 'the-week.atom');
    const asFeed = await newsflow(['extract', feed]);
    expect(asFeed.code).toBe(2);
    expect(asFeed.stderr).toContain('is an Atom feed, not an article page');
    expect(asFeed.stderr).toContain('newsflow feed parse');
  });

  it('exits 2 on usage errors, and describes every command in --help', async () => {
    const bogus = await newsflow(['start', '--workers', 'fetch,bogus', '--config', config]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('unknown role(s) in --workers: bogus');
    const groups = [[], ['feed'], ['failed'], ['feeds'], ['stories']];
    for (const group of groups) {
      const help = (await newsflow([...group, '--help'])).stdout;
      const commands = help.slice(help.indexOf('Commands:')).split('\n').slice(1);
      // Each command's first line holds its name and, after two spaces or more, its description.
      const undescribed = commands.filter((l) => /^ {2}\S/.test(l) && !/^ {2}\S.*? {2,}\S/.test(l) && !l.startsWith('  help '));
      expect(undescribed, `newsflow ${group.join(' ')} --help`).toEqual([]);
    }
  });
});
