// PostgreSQL, webhook and Redis stream sinks against the real things: idempotency and failure modes.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { PermanentError, RetryableError } from '../../src/shared/errors.js';
import { MIGRATIONS, migrate } from '../../src/workers/store/postgres.migrations.js';
import { createPostgresSink, type PostgresSink } from '../../src/workers/store/postgres.sink.js';
import { createStreamSink } from '../../src/workers/store/stream.sink.js';
import { createWebhookSink, signBody } from '../../src/workers/store/webhook.sink.js';
import { contentVersion } from '../../src/workers/store/content-version.js';
import { storedArticle } from '../helpers/articles.js';
import { dropSchema, postgresAvailable, randomSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('PostgreSQL sink', () => {
  const schema = randomSchema('sink');
  let sink: PostgresSink;

  beforeAll(async () => {
    sink = createPostgresSink({ url: TEST_DATABASE_URL, schema });
    await sink.ready;
  });
  afterAll(async () => {
    await sink.close();
    await dropSchema(schema);
  });

  it('applies migrations once, even when several workers start together', async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }));
    const applied = await Promise.all(pools.map((p) => migrate(p, schema)));
    await Promise.all(pools.map((p) => p.end()));
    expect(applied.flat()).toEqual([]); // the sink applied them all already
    const { rows } = await sink.pool.query(`SELECT version FROM "${schema}".newsflow_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('concurrent first starts on an empty schema apply each migration exactly once', async () => {
    const fresh = randomSchema('race');
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p, fresh)));
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await dropSchema(fresh);
    }
  });

  it('upserts: replaying an article leaves one row and a correct story count', async () => {
    const a = storedArticle('pg1', { story: 'story-shared' });
    const b = storedArticle('pg2', { story: 'story-shared', feed: { url: 'https://other.example/rss', name: 'Other' } });
    await sink.write(a, { replay: false });
    await sink.write(a, { replay: true });
    await sink.write(b, { replay: false });
    await sink.write(b, { replay: true });
    const articles = await sink.pool.query(`SELECT id, topics, entities FROM "${schema}".articles ORDER BY id`);
    expect(articles.rows.map((r) => r.id)).toEqual(['pg1', 'pg2']);
    expect(articles.rows[0].topics[0].label).toBe('politics');
    const story = await sink.pool.query(`SELECT article_count FROM "${schema}".stories WHERE id = 'story-shared'`);
    expect(story.rows[0].article_count).toBe(2);
    const feeds = await sink.pool.query(`SELECT count(*)::int AS n FROM "${schema}".feeds`);
    expect(feeds.rows[0].n).toBe(2);
  });

  it('lets people search what was stored (tsvector) and filter by topic (jsonb)', async () => {
    await sink.write(storedArticle('pg3', { title: 'Volcano erupts near village', text: 'Lava reached the outskirts overnight.' }), { replay: false });
    const found = await sink.pool.query(
      `SELECT id FROM "${schema}".articles WHERE search @@ plainto_tsquery('simple', 'lava outskirts')`,
    );
    expect(found.rows.map((r) => r.id)).toEqual(['pg3']);
    const byTopic = await sink.pool.query(
      `SELECT count(*)::int AS n FROM "${schema}".articles WHERE topics @> '[{"label":"politics"}]'`,
    );
    expect(byTopic.rows[0].n).toBe(3);
  });

  it('dates a story by its articles, a publication date far ahead of discovery capped at a day after it', async () => {
    await sink.write(storedArticle('pg-future', { story: 'story-future', published: '2099-01-01T00:00:00.000Z' }), { replay: false });
    const story = await sink.pool.query(`SELECT last_seen FROM "${schema}".stories WHERE id = 'story-future'`);
    expect(new Date(story.rows[0].last_seen).toISOString()).toBe('2024-05-02T10:00:00.000Z');
  });

  it('fails a write with a retryable error while the database is unreachable', async () => {
    const down = createPostgresSink({ url: 'postgres://postgres@127.0.0.1:1/test', schema });
    await expect(down.write(storedArticle('pg4'), { replay: false })).rejects.toThrow();
    await down.close();
  });
});

describe('webhook sink', () => {
  let server: Server;
  let url = '';
  let answers: number[] = [];
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const status = answers.shift() ?? 200;
        if (status === 429) res.setHeader('retry-after', '7');
        res.writeHead(status).end(status >= 400 ? 'receiver says no' : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs the article signed with HMAC-SHA256 and an idempotency key', async () => {
    const sink = createWebhookSink({ url, secret: 's3cret', timeoutMs: 2000 });
    await sink.write(storedArticle('wh1'), { replay: false });
    const last = received.at(-1)!;
    expect(JSON.parse(last.body).article.id).toBe('wh1');
    expect(last.headers['idempotency-key']).toBe(contentVersion(storedArticle('wh1')));
    expect(last.headers['idempotency-key']).toMatch(/^wh1\.[0-9a-f]{12}$/);
    expect(last.headers['x-newsflow-article-id']).toBe('wh1');
    expect(last.headers['x-newsflow-signature']).toBe(signBody(last.body, 's3cret'));
  });

  it('retries 5xx and 429 (honouring Retry-After), fails other 4xx for good with the reason, never leaks the secret', async () => {
    const sink = createWebhookSink({ url, secret: 's3cret', timeoutMs: 2000 });
    answers = [503];
    const e503 = await sink.write(storedArticle('wh2'), { replay: false }).catch((e) => e);
    expect(e503).toBeInstanceOf(RetryableError);
    answers = [429];
    const e429 = await sink.write(storedArticle('wh2'), { replay: true }).catch((e) => e);
    expect(e429).toBeInstanceOf(RetryableError);
    expect(e429.retryAfterMs).toBe(7000);
    answers = [422];
    const e422 = await sink.write(storedArticle('wh2'), { replay: true }).catch((e) => e);
    expect(e422).toBeInstanceOf(PermanentError);
    expect(e422.message).toContain('422');
    expect(e422.message).toContain('receiver says no');
    for (const e of [e503, e429, e422]) {
      expect(e.message).not.toContain('s3cret');
      expect(e.message).not.toContain('token=abc');
    }
  });

  it('treats a timeout as retryable', async () => {
    const slow = createServer(() => {});
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const sink = createWebhookSink({ url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, timeoutMs: 200 });
    const err = await sink.write(storedArticle('wh3'), { replay: false }).catch((e) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('timeout');
    slow.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
  });
});

describe('Redis stream sink', () => {
  const prefix = randomPrefix('stream');
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('adds each article once, even on replays and concurrent writers', async () => {
    const sink = createStreamSink({ redis, stream: `${prefix}:articles`, maxLen: 1000, writtenKey: `${prefix}:written`, retentionMs: 86_400_000, legacyKey: `${prefix}:done` });
    const a = storedArticle('st1');
    await Promise.all([sink.write(a, { replay: false }), sink.write(a, { replay: true }), sink.write(a, { replay: true })]);
    await sink.write(storedArticle('st2'), { replay: false });
    // A changed version of st1 (reprocessed with new text) is a new entry; its replay is not.
    const changed = { ...a, text: `${a.text}\n\nUpdate: talks resume on Tuesday.` };
    await sink.write(changed, { replay: false });
    await sink.write(changed, { replay: true });
    const entries = await redis.xrange(`${prefix}:articles`, '-', '+');
    const ids = entries.map(([, fields]) => fields[fields.indexOf('id') + 1]);
    expect(ids).toEqual(['st1', 'st2', 'st1']);
    const article = JSON.parse(entries[0]![1][entries[0]![1].indexOf('article') + 1]!);
    expect(article.title).toBe(a.title);
    // Marks live for the retention, by write time; an earlier release's plain set is still read.
    expect(await redis.zcard(`${prefix}:written`)).toBe(3);
    const ttl = await redis.pttl(`${prefix}:written`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
    const old = storedArticle('st0');
    await redis.sadd(`${prefix}:done`, contentVersion(old));
    await sink.write(old, { replay: true });
    expect(await redis.xlen(`${prefix}:articles`)).toBe(3);
  });

  it('forgets versions written longer ago than its retention', async () => {
    const sink = createStreamSink({ redis, stream: `${prefix}:short`, maxLen: 1000, writtenKey: `${prefix}:written-s`, retentionMs: 60_000 });
    await redis.zadd(`${prefix}:written-s`, Date.now() - 120_000, 'stale-version');
    await sink.write(storedArticle('s1'), { replay: false });
    expect(await redis.zrange(`${prefix}:written-s`, '0', '-1')).toEqual([contentVersion(storedArticle('s1'))]);
  });

  it('stays bounded by MAXLEN', async () => {
    const sink = createStreamSink({ redis, stream: `${prefix}:bounded`, maxLen: 10, writtenKey: `${prefix}:written-b`, retentionMs: 86_400_000 });
    for (let i = 0; i < 300; i++) await sink.write(storedArticle(`b${i}`), { replay: false });
    expect(await redis.xlen(`${prefix}:bounded`)).toBeLessThan(300);
  });
});
