// Versioned PostgreSQL migrations, applied at start under an advisory lock so that several store
// workers starting together apply each migration once. Append new versions; never edit old ones.
import type { Pool, PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'articles, stories and feeds',
    sql: `
CREATE TABLE feeds (
  url         text PRIMARY KEY,
  name        text,
  first_seen  timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stories (
  id             text PRIMARY KEY,
  title          text,
  first_seen     timestamptz NOT NULL,
  last_seen      timestamptz NOT NULL,
  article_count  integer NOT NULL DEFAULT 0
);

CREATE TABLE articles (
  id             text PRIMARY KEY,
  url            text NOT NULL,
  canonical_url  text,
  feed_url       text NOT NULL REFERENCES feeds (url),
  feed_name      text,
  title          text,
  byline         text,
  published      timestamptz,
  site_name      text,
  lang           text,
  lead_image     text,
  text           text NOT NULL,
  word_count     integer NOT NULL,
  topics         jsonb NOT NULL DEFAULT '[]',
  entities       jsonb NOT NULL DEFAULT '[]',
  story_id       text REFERENCES stories (id),
  discovered_at  timestamptz NOT NULL,
  fetched_at     timestamptz,
  extracted_at   timestamptz,
  classified_at  timestamptz,
  stored_at      timestamptz NOT NULL DEFAULT now(),
  search         tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(text, '')), 'B')
  ) STORED
);

CREATE INDEX articles_published_idx ON articles (published DESC);
CREATE INDEX articles_discovered_idx ON articles (discovered_at DESC);
CREATE INDEX articles_story_idx ON articles (story_id);
CREATE INDEX articles_topics_idx ON articles USING gin (topics jsonb_path_ops);
CREATE INDEX articles_search_idx ON articles USING gin (search);
`,
  },
  {
    version: 2,
    name: 'near-duplicates: articles.duplicate_of',
    sql: `
ALTER TABLE articles ADD COLUMN duplicate_of text;
-- Copies of an original (WHERE duplicate_of = $1), and originals only (WHERE duplicate_of IS NULL).
CREATE INDEX articles_duplicate_of_idx ON articles (duplicate_of);
CREATE INDEX articles_originals_idx ON articles (discovered_at DESC) WHERE duplicate_of IS NULL;
`,
  },
];

/** Apply every migration not yet applied, each in its own transaction, under an advisory lock. */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const client = await pool.connect();
  // See guardedClient in postgres.sink.ts: a dropped connection must reject, not crash.
  const onError = () => {};
  client.on('error', onError);
  const applied: number[] = [];
  try {
    // One lock per schema: concurrent starters wait here, then find nothing left to do.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`newsflow-migrate:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${ident(schema)}.newsflow_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query<{ version: number }>(`SELECT version FROM ${ident(schema)}.newsflow_migrations`)).rows.map(
          (r) => r.version,
        ),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await inTransaction(client, async () => {
          await client.query(`SET LOCAL search_path TO ${ident(schema)}`);
          await client.query(m.sql);
          await client.query(`INSERT INTO ${ident(schema)}.newsflow_migrations (version, name) VALUES ($1, $2)`, [
            m.version,
            m.name,
          ]);
        });
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`newsflow-migrate:${schema}`]);
    }
  } finally {
    client.off('error', onError);
    client.release();
  }
  return applied;
}

export async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Quote an SQL identifier (schema names come from config). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
