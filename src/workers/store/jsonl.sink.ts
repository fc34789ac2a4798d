// JSONL sink: one line per article, whole lines only, each article once.
//
// `path` ending in .jsonl is one file; otherwise a directory of daily files (YYYY-MM-DD.jsonl,
// by the day the article was discovered, so a replay goes to the same file as the original).
// Each line is written with a single O_APPEND write, so concurrent writers never interleave; a
// line torn by kill -9 is cut off when the file is next opened. Exactly-once in effect: a Redis
// sorted set per file remembers, for the retention period, which versions (id + content hash)
// were written (written-versions.ts); a replayed job (retry or stalled) also scans the file,
// covering a crash between the write and the Redis mark. An article reprocessed with changed text
// (fetch.reprocessChanged) is a new version and gets a new line.
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import type { StoredArticle } from '../../shared/types.js';
import type { Sink } from '../context.js';
import { contentVersion } from './content-version.js';
import { WrittenVersions } from './written-versions.js';

export interface JsonlSinkOptions {
  path: string;
  redis: Redis;
  /** Key prefix of the per-file sorted sets of versions written. */
  writtenKey: string;
  /** How long a written version is remembered. */
  retentionMs: number;
  /** Key prefix of an earlier release's per-file plain sets, read until they expire. */
  legacyKey?: string;
  /** fsync after each line (durable against power loss; slower). */
  fsync?: boolean;
}

export function createJsonlSink(opts: JsonlSinkOptions): Sink {
  const repaired = new Set<string>();

  function fileFor(article: StoredArticle): string {
    if (opts.path.endsWith('.jsonl')) return opts.path;
    const day = (article.times.discovered || new Date().toISOString()).slice(0, 10);
    return join(opts.path, `${day}.jsonl`);
  }

  function writtenTo(file: string): WrittenVersions {
    const name = basename(file);
    return new WrittenVersions({
      redis: opts.redis,
      key: `${opts.writtenKey}:${name}`,
      retentionMs: opts.retentionMs,
      ...(opts.legacyKey ? { legacyKey: `${opts.legacyKey}:${name}` } : {}),
    });
  }

  async function prepare(file: string): Promise<void> {
    if (repaired.has(file)) return;
    await mkdir(dirname(file), { recursive: true });
    await cutTornTail(file);
    repaired.add(file);
  }

  return {
    name: 'jsonl',
    async write(article, { replay }) {
      const file = fileFor(article);
      const done = writtenTo(file);
      const version = contentVersion(article);
      if (await done.has(version)) return;
      await prepare(file);
      if (replay && (await fileHasVersion(file, article))) {
        await done.mark(version);
        return;
      }
      const handle = await open(file, 'a');
      try {
        // `id` first: the replay scan looks for lines that start with it.
        const { id, ...rest } = article;
        await handle.write(`${JSON.stringify({ id, ...rest })}\n`);
        if (opts.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await done.mark(version);
    },
    async close() {},
  };
}

/** A file whose last byte is not a newline ends in a torn line: cut it off. */
async function cutTornTail(file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const handle = await open(file, 'r');
  try {
    const chunk = 64 * 1024;
    let end = size;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl >= 0) {
        await truncate(file, start + nl + 1);
        return;
      }
      end = start;
    }
    await truncate(file, 0);
  } finally {
    await handle.close();
  }
}

/** Is this version of the article (same id, same content) already a line of the file? */
async function fileHasVersion(file: string, article: StoredArticle): Promise<boolean> {
  const needle = `{"id":${JSON.stringify(article.id)},`;
  const version = contentVersion(article);
  try {
    await stat(file);
  } catch {
    return false;
  }
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.startsWith(needle) && contentVersion(JSON.parse(line) as StoredArticle) === version) {
      lines.close();
      return true;
    }
  }
  return false;
}
