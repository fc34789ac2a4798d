// PostgreSQL sink: one row per article, upserted, so a replay changes nothing. The feed and the
// story are upserted in the same transaction; a story's article count is recounted, not
// incremented, so it stays right under replays. Migrations run once at start (see migrations).
import pg from 'pg';
import { clusterTime } from '../../shared/story-time.js';
import type { StoredArticle } from '../../shared/types.js';
import type { Sink } from '../context.js';
import { ident, inTransaction, migrate } from './postgres.migrations.js';

export interface PostgresSinkOptions {
  url: string;
  schema: string;
  poolSize?: number;
}

export interface PostgresSink extends Sink {
  pool: pg.Pool;
  /** Resolves once migrations are applied; write() waits for it. */
  ready: Promise<void>;
}

export function createPostgresSink(opts: PostgresSinkOptions): PostgresSink {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 4,
    connectionTimeoutMillis: 10_000,
    // A connection cut by the network (not closed by the server) would otherwise hang a query, and
    // its store job, forever: time queries out and let the job retry.
    query_timeout: 30_000,
    statement_timeout: 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const s = ident(opts.schema);
  let ready: Promise<void> = migrate(pool, opts.schema).then(() => undefined);
  // A failed migration (database down at start) is retried by the next write.
  ready.catch(() => {});
  const ensureReady = async () => {
    try {
      await ready;
    } catch {
      ready = migrate(pool, opts.schema).then(() => undefined);
      await ready;
    }
  };

  return {
    name: 'postgres',
    pool,
    get ready() {
      return ready;
    },
    async write(article) {
      await ensureReady();
      const client = await guardedClient(pool);
      try {
        await inTransaction(client, async () => {
          // The time the story index clustered it at: a page dated 2099 must not pin its story to
          // the top of every "latest stories" query.
          const seen = clusterTime(article.published, article.times.discovered);
          await client.query(
            `INSERT INTO ${s}.feeds (url, name) VALUES ($1, $2)
             ON CONFLICT (url) DO UPDATE SET name = coalesce(EXCLUDED.name, feeds.name), last_seen = now()`,
            [article.feed.url, article.feed.name],
          );
          await client.query(
            `INSERT INTO ${s}.stories (id, title, first_seen, last_seen) VALUES ($1, $2, $3, $3)
             ON CONFLICT (id) DO UPDATE SET first_seen = least(stories.first_seen, EXCLUDED.first_seen),
                                            last_seen = greatest(stories.last_seen, EXCLUDED.last_seen)`,
            [article.story, article.title, seen],
          );
          await client.query(
            `INSERT INTO ${s}.articles (id, url, canonical_url, feed_url, feed_name, title, byline, published,
               site_name, lang, lead_image, text, word_count, topics, entities, story_id,
               discovered_at, fetched_at, extracted_at, classified_at, duplicate_of)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)
             ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, canonical_url = EXCLUDED.canonical_url,
               title = EXCLUDED.title, byline = EXCLUDED.byline, published = EXCLUDED.published,
               site_name = EXCLUDED.site_name, lang = EXCLUDED.lang, lead_image = EXCLUDED.lead_image,
               text = EXCLUDED.text, word_count = EXCLUDED.word_count, topics = EXCLUDED.topics,
               entities = EXCLUDED.entities, story_id = EXCLUDED.story_id,
               classified_at = EXCLUDED.classified_at, duplicate_of = EXCLUDED.duplicate_of`,
            [
              article.id,
              article.url,
              article.canonicalUrl,
              article.feed.url,
              article.feed.name,
              article.title,
              article.byline,
              article.published,
              article.siteName,
              article.lang,
              article.leadImage,
              article.text,
              article.wordCount,
              JSON.stringify(article.topics),
              JSON.stringify(article.entities),
              article.story,
              article.times.discovered,
              article.times.fetched,
              article.times.extracted,
              article.times.classified,
              article.duplicateOf ?? null,
            ],
          );
          await client.query(
            `UPDATE ${s}.stories SET article_count = (SELECT count(*) FROM ${s}.articles WHERE story_id = $1) WHERE id = $1`,
            [article.story],
          );
        });
      } finally {
        client.release(client.broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * A pooled client with an 'error' listener while it is checked out: a connection dropped
 * mid-transaction emits 'error' on the client, which would crash the process unheard. The failed
 * query rejects on its own; the broken client is destroyed on release instead of reused.
 */
export async function guardedClient(pool: pg.Pool): Promise<pg.PoolClient & { broken?: Error }> {
  const client: pg.PoolClient & { broken?: Error } = await pool.connect();
  if (!client.listenerCount('error')) client.on('error', (err) => (client.broken = err));
  return client;
}
