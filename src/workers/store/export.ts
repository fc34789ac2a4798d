// Export stored articles from PostgreSQL as JSONL or CSV, in discovery order, in pages of 500
// (keyset pagination: memory stays flat however many rows there are).
import type { Pool } from 'pg';
import { ident } from './postgres.migrations.js';

export interface ExportOptions {
  since?: Date;
  format: 'jsonl' | 'csv';
  /** Leave out near-duplicates (articles with a duplicate_of). */
  originalsOnly?: boolean;
  write: (chunk: string) => void;
  pageSize?: number;
}

const CSV_COLUMNS = ['id', 'url', 'feed_url', 'feed_name', 'title', 'byline', 'published', 'lang', 'topics', 'story_id', 'duplicate_of', 'discovered_at', 'word_count', 'text'] as const;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export async function exportArticles(pool: Pool, schema: string, opts: ExportOptions): Promise<number> {
  const pageSize = opts.pageSize ?? 500;
  let after: { at: Date; id: string } | null = null;
  let count = 0;
  if (opts.format === 'csv') opts.write(`${CSV_COLUMNS.join(',')}\n`);
  for (;;) {
    const params: unknown[] = [opts.since ?? new Date(0), pageSize];
    let cursor = '';
    if (after) {
      params.push(after.at, after.id);
      cursor = 'AND (discovered_at, id) > ($3, $4)';
    }
    const { rows } = await pool.query(
      `SELECT id, url, canonical_url, feed_url, feed_name, title, byline, published, site_name, lang, lead_image,
              text, word_count, topics, entities, story_id, duplicate_of, discovered_at, fetched_at, extracted_at, classified_at
         FROM ${ident(schema)}.articles
        WHERE discovered_at >= $1 ${opts.originalsOnly ? 'AND duplicate_of IS NULL' : ''} ${cursor}
        ORDER BY discovered_at, id
        LIMIT $2`,
      params,
    );
    for (const row of rows) {
      if (opts.format === 'csv') {
        opts.write(`${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\n`);
      } else {
        opts.write(
          `${JSON.stringify({
            id: row.id,
            url: row.url,
            canonicalUrl: row.canonical_url,
            feed: { url: row.feed_url, name: row.feed_name },
            title: row.title,
            byline: row.byline,
            published: row.published?.toISOString() ?? null,
            siteName: row.site_name,
            lang: row.lang,
            leadImage: row.lead_image,
            text: row.text,
            wordCount: row.word_count,
            topics: row.topics,
            entities: row.entities,
            story: row.story_id,
            duplicateOf: row.duplicate_of ?? null,
            times: {
              discovered: row.discovered_at?.toISOString(),
              fetched: row.fetched_at?.toISOString(),
              extracted: row.extracted_at?.toISOString(),
              classified: row.classified_at?.toISOString(),
            },
          })}\n`,
        );
      }
      count += 1;
    }
    if (rows.length < pageSize) return count;
    const last = rows[rows.length - 1];
    after = { at: last.discovered_at, id: last.id };
  }
}
