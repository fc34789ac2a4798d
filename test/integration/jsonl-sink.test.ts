import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { contentVersion } from '../../src/workers/store/content-version.js';
import { createJsonlSink } from '../../src/workers/store/jsonl.sink.js';
import { storedArticle } from '../helpers/articles.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';

const article = (id: string, discovered = '2024-05-01T10:00:00.000Z') =>
  storedArticle(id, { title: `Title ${id}`, times: { discovered, fetched: discovered, extracted: discovered, classified: discovered } });

const DAY = 86_400_000;
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('JSONL sink', () => {
  let redis: Redis;
  const prefix = randomPrefix('jsonl');
  const dir = mkdtempSync(join(tmpdir(), 'nf-jsonl-'));

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('writes one line per article and nothing on a replay', async () => {
    const file = join(dir, 'one.jsonl');
    const sink = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:a`, retentionMs: DAY });
    await sink.write(article('a1'), { replay: false });
    await sink.write(article('a2'), { replay: false });
    await sink.write(article('a1'), { replay: true });
    await sink.write(article('a1'), { replay: false });
    const ids = lines(file).map((l) => JSON.parse(l).id);
    expect(ids).toEqual(['a1', 'a2']);
  });

  it('writes a changed version of an article (reprocessed with new text) as a new line, once', async () => {
    const file = join(dir, 'versions.jsonl');
    const sink = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:v`, retentionMs: DAY });
    const first = article('v1');
    const updated = { ...first, text: `${first.text}\n\nUpdate: the vote passed.` };
    await sink.write(first, { replay: false });
    await sink.write(updated, { replay: false });
    expect(await redis.del(`${prefix}:v:versions.jsonl`)).toBe(1); // forget the marks: the file scan must decide
    await sink.write(updated, { replay: true });
    await sink.write(first, { replay: true });
    const texts = lines(file).map((l) => JSON.parse(l).text);
    expect(texts).toEqual([first.text, updated.text]);
  });

  it('does not duplicate when a crash came between the write and the Redis mark', async () => {
    const file = join(dir, 'crash.jsonl');
    const first = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:b`, retentionMs: DAY });
    await first.write(article('b1'), { replay: false });
    // Simulate the lost mark: the line is in the file, Redis forgot it.
    expect(await redis.del(`${prefix}:b:crash.jsonl`)).toBe(1);
    const second = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:b`, retentionMs: DAY });
    await second.write(article('b1'), { replay: true });
    expect(lines(file)).toHaveLength(1);
  });

  it('cuts off a line torn by kill -9 and rewrites that article whole on replay', async () => {
    const file = join(dir, 'torn.jsonl');
    const sink = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:c`, retentionMs: DAY });
    await sink.write(article('c1'), { replay: false });
    appendFileSync(file, '{"id":"c2","url":"https://news.exa'); // torn write, never marked
    const restarted = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:c`, retentionMs: DAY });
    await restarted.write(article('c2'), { replay: true });
    const parsed = lines(file).map((l) => JSON.parse(l));
    expect(parsed.map((a) => a.id)).toEqual(['c1', 'c2']);
    expect(parsed[1].title).toBe('Title c2');
  });

  it('remembers written versions for its retention only, and still reads an earlier release\'s set', async () => {
    const file = join(dir, 'bounded.jsonl');
    const key = `${prefix}:e:bounded.jsonl`;
    const sink = createJsonlSink({ path: file, redis, writtenKey: `${prefix}:e`, retentionMs: 60_000, legacyKey: `${prefix}:old` });
    // A mark older than the retention, as a long-running pipeline would have.
    await redis.zadd(key, Date.now() - 120_000, 'stale-version');
    await sink.write(article('e1'), { replay: false });
    await sink.write(article('e1'), { replay: false });
    expect(await redis.zscore(key, 'stale-version')).toBeNull();
    expect(await redis.zcard(key)).toBe(1);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // A version an earlier release marked in its plain set is not written again.
    const old = article('e0');
    await redis.sadd(`${prefix}:old:bounded.jsonl`, contentVersion(old));
    await sink.write(old, { replay: false });
    expect(lines(file).map((l) => JSON.parse(l).id)).toEqual(['e1']);
  });

  it('writes daily files by discovery day when the path is a directory', async () => {
    const daily = join(dir, 'daily');
    const sink = createJsonlSink({ path: daily, redis, writtenKey: `${prefix}:d`, retentionMs: DAY });
    await sink.write(article('d1', '2024-05-01T23:59:00.000Z'), { replay: false });
    await sink.write(article('d2', '2024-05-02T00:01:00.000Z'), { replay: false });
    expect(lines(join(daily, '2024-05-01.jsonl'))).toHaveLength(1);
    expect(lines(join(daily, '2024-05-02.jsonl'))).toHaveLength(1);
  });
});
