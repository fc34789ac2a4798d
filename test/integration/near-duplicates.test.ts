// Near-duplicates against real Redis (and PostgreSQL where it answers): the shared index under
// two workers at once, and the whole pipeline with two local outlets, one republishing half of
// the other's articles in its own template, last paragraph dropped and a promo added.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { parseConfig } from '../../src/shared/config.js';
import { keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { packagePath } from '../../src/shared/paths.js';
import { articleId } from '../../src/shared/url.js';
import { startPipeline } from '../../src/app.js';
import { addFeed } from '../../src/workers/fetch/feeds-registry.js';
import { checkDuplicate } from '../../src/workers/classify/dup-index.js';
import { RedisDupIndex } from '../../src/workers/classify/dup-index.redis.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { dropSchema, postgresAvailable, randomSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { writeConfig } from '../helpers/newsflow-process.js';
import { newsflow } from '../helpers/cli.js';
import { syndicate } from '../helpers/syndicate.js';
import { scaled } from '../helpers/time-scale.js';

/** Article texts written for the extraction fixtures: real-length news copy in many styles. */
function texts(): { title: string; paragraphs: string[] }[] {
  const dir = packagePath('test', 'fixtures', 'boilerplate', 'train');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gold.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { lang: string; content: string[] })
    .filter((g) => g.lang === 'en' && g.content.join(' ').split(/\s+/).length > 200)
    .map((g) => ({ title: g.content[0]!.split(/[.:]/)[0]!.slice(0, 80), paragraphs: g.content.slice(1) }));
}

const pgUp = await postgresAvailable();

describe('near-duplicate index under concurrent workers (real Redis)', () => {
  const prefix = randomPrefix('dups');
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = testRedis();
    b = testRedis();
  });
  afterAll(async () => {
    await cleanupPrefix(a, prefix);
    a.disconnect();
    b.disconnect();
  });

  it('never lets two copies of a new text both be its original, and answers a retry the same', async () => {
    const ia = new RedisDupIndex(a, `${prefix}:dups`, { windowMs: 72 * 3_600_000 });
    const ib = new RedisDupIndex(b, `${prefix}:dups`, { windowMs: 72 * 3_600_000 });
    const base = texts().slice(0, 10);
    expect(base.length).toBeGreaterThanOrEqual(8);
    const answers = new Map<string, string | null>();
    for (const [i, t] of base.entries()) {
      const [x, y] = await Promise.all([
        checkDuplicate(ia, `x${i}`, syndicate(t.paragraphs, 'trimmed', i + 1).join('\n\n')),
        checkDuplicate(ib, `y${i}`, syndicate(t.paragraphs, 'edited', i + 2).join('\n\n')),
      ]);
      const originals = [x, y].filter((r) => r.duplicateOf === null);
      expect(originals, `round ${i}`).toHaveLength(1);
      expect([x.duplicateOf, y.duplicateOf].sort()).toEqual([null, x.duplicateOf ? `y${i}` : `x${i}`].sort());
      answers.set(`x${i}`, x.duplicateOf);
    }
    // A retried job (same id) gets its first answer back, whatever text it carries now.
    for (const [id, first] of answers) {
      expect((await checkDuplicate(ib, id, 'A retried job whose text changed in the meantime, long enough to be signed. '.repeat(8))).duplicateOf).toBe(first);
    }
    // Records leave with the window.
    const ttl = await a.pttl(`${prefix}:dups:r:x0`);
    expect(ttl).toBeGreaterThan(71 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(72 * 3_600_000);
  });
});

describe('near-duplicates end to end: two outlets, one republishing the other', { timeout: scaled(180_000) }, () => {
  const prefix = randomPrefix('dups-e2e');
  const schema = randomSchema();
  const dir = mkdtempSync(join(tmpdir(), 'nf-dups-'));
  let redis: Redis;
  let server: MisbehavingServer;

  beforeAll(async () => {
    redis = testRedis();
    server = await startMisbehavingServer({ '/robots.txt': behave.body('User-agent: *\nAllow: /\n') });
  });
  afterAll(async () => {
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    if (pgUp) await dropSchema(schema);
  });

  it('links every copy to its original, and nothing else', async () => {
    const b = server.baseUrl;
    const all = texts();
    const own = all.slice(0, 8);
    const theirs = all.slice(8, 11);
    expect(theirs).toHaveLength(3);
    const ledger = (t: { title: string; paragraphs: string[] }) =>
      `<!doctype html><html lang="en"><head><title>${t.title} | The Ledger</title></head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>` +
      `<main><article><h1>${t.title}</h1><p class="byline">By Staff</p>${t.paragraphs.map((p) => `<p>${p}</p>`).join('')}</article></main><footer>© The Ledger</footer></body></html>`;
    const wire = (title: string, paragraphs: string[]) =>
      `<!doctype html><html lang="en"><head><title>${title} – Daily Wire Digest</title></head><body><div class="top-bar"><a href="/">Daily Wire Digest</a> <a href="/subscribe">Subscribe</a></div>` +
      `<div class="content"><h1 class="headline">${title}</h1><div class="story-body">${paragraphs.map((p) => `<p>${p}</p>`).join('')}</div>` +
      `<aside class="related"><h3>Most read</h3><ul><li><a href="/x">Other news</a></li></ul></aside></div></body></html>`;
    const rss = (items: { path: string; title: string }[]) =>
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title><link>${b}/</link>${items.map((i) => `<item><title>${i.title}</title><link>${b}${i.path}</link><guid>${b}${i.path}</guid><pubDate>${new Date().toUTCString()}</pubDate></item>`).join('')}</channel></rss>`;

    own.forEach((t, i) => server.route(`/ledger/${i}`, behave.body(ledger(t), 'text/html; charset=utf-8')));
    server.route('/ledger/feed.xml', behave.body(rss(own.map((t, i) => ({ path: `/ledger/${i}`, title: t.title }))), 'application/rss+xml'));
    // The wire site: copies of every other Ledger article, retitled, last paragraph dropped, a promo
    // added (syndicate 'trimmed'), beside three articles of its own.
    const copied = own.filter((_, i) => i % 2 === 0);
    copied.forEach((t, i) => server.route(`/wire/copy-${i}`, behave.body(wire(`Wire: ${t.title.toLowerCase()}`, syndicate(t.paragraphs, 'trimmed', i + 7)), 'text/html; charset=utf-8')));
    theirs.forEach((t, i) => server.route(`/wire/own-${i}`, behave.body(wire(t.title, t.paragraphs), 'text/html; charset=utf-8')));
    server.route('/wire/feed.xml', behave.body(rss([...copied.map((t, i) => ({ path: `/wire/copy-${i}`, title: t.title })), ...theirs.map((t, i) => ({ path: `/wire/own-${i}`, title: t.title }))]), 'application/rss+xml'));

    const jsonl = join(dir, 'articles.jsonl');
    const input = {
      redis: { prefix },
      feeds: [{ url: `${b}/ledger/feed.xml`, name: 'The Ledger' }],
      network: { allow: ['127.0.0.1'] },
      fetch: { perHost: { minInterval: 0 } },
      extract: { threads: 1 },
      sinks: { jsonl: { path: jsonl }, ...(pgUp ? { postgres: { url: TEST_DATABASE_URL, schema } } : {}) },
    };
    const config = parseConfig(input, 'test', {});
    const stored = () =>
      existsSync(jsonl) ? readFileSync(jsonl, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; duplicateOf: string | null; story: string }) : [];
    const waitFor = async (n: number) => {
      const deadline = Date.now() + scaled(90_000);
      while (stored().length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(stored().length).toBe(n);
    };
    const pipeline = await startPipeline({ config, redisUrl: TEST_REDIS_URL, log: silentLogger, roles: ['fetch', 'extract', 'classify', 'store'] });
    try {
      // The Ledger publishes first; the wire site republishes later.
      await waitFor(own.length);
      await addFeed(redis, keysFor(prefix), pipeline.queues, config, { url: `${b}/wire/feed.xml`, name: 'Daily Wire Digest' });
      await waitFor(own.length + copied.length + theirs.length);
    } finally {
      await pipeline.stop();
    }

    const rows = new Map(stored().map((r) => [r.id, r]));
    const idOf = (path: string) => articleId(`${b}${path}`);
    const links = [...rows.values()].filter((r) => r.duplicateOf !== null).map((r) => [r.id, r.duplicateOf]);
    const expected = copied.map((_, i) => [idOf(`/wire/copy-${i}`), idOf(`/ledger/${i * 2}`)]);
    expect(links.sort()).toEqual(expected.sort());
    // A copy shares its original's story.
    for (const [copy, original] of expected) expect(rows.get(copy!)!.story).toBe(rows.get(original!)!.story);

    // The story listing folds copies under their original.
    const configFile = writeConfig(dir, { redis: { prefix } });
    const story = rows.get(expected[0]![1]!)!.story;
    const show = await newsflow(['stories', 'show', story, '--config', configFile]);
    expect(show.stdout).toMatch(/\(.+\)  \+ 1 copy\n {6}copy  \[Daily Wire Digest\]/);
    expect((await newsflow(['stories', 'list', '--config', configFile])).stdout).toContain('2 article(s) (1 copy)');

    if (pgUp) {
      const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      try {
        const { rows: dbRows } = await pool.query(`SELECT id, duplicate_of FROM "${schema}".articles WHERE duplicate_of IS NOT NULL ORDER BY id`);
        expect(dbRows.map((r) => [r.id, r.duplicate_of])).toEqual([...expected].sort((x, y) => x[0]!.localeCompare(y[0]!)));
        const originals = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".articles WHERE duplicate_of IS NULL`);
        expect(originals.rows[0].n).toBe(own.length + theirs.length);
        const plan = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'articles_%dup%'`, [schema]);
        expect(plan.rows.map((r) => r.indexname)).toContain('articles_duplicate_of_idx');
      } finally {
        await pool.end();
      }
      const exported = await newsflow(['export', '--originals', '--config', writeConfig(dir, { redis: { prefix }, sinks: { postgres: { url: TEST_DATABASE_URL, schema } } })]);
      expect(exported.stdout.trim().split('\n')).toHaveLength(own.length + theirs.length);
    }
  });
});
