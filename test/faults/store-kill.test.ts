// Kill -9 the store worker in the middle of a batch, start it again, and count: every article
// exactly once in every sink (JSONL lines, PostgreSQL rows, stream entries; webhook deliveries
// carry one idempotency key per article, so receivers see each article once in effect).
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { createQueues, enqueue, next, type QueueSet } from '../../src/queues/factory.js';
import { SINK_NAMES } from '../../src/queues/catalog.js';
import { keysFor } from '../../src/shared/keys.js';
import { storedArticle } from '../helpers/articles.js';
import { dropSchema, postgresAvailable, randomSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { startNewsflow, waitFor, writeConfig } from '../helpers/newsflow-process.js';
import { scaled } from '../helpers/time-scale.js';

const N = 150;
const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('store worker killed mid-batch (real Redis, PostgreSQL, HTTP receiver)', () => {
  const prefix = randomPrefix('storekill');
  const schema = randomSchema('storekill');
  const dir = mkdtempSync(join(tmpdir(), 'nf-storekill-'));
  const jsonl = join(dir, 'articles.jsonl');
  let redis: Redis;
  let queues: QueueSet;
  let receiver: Server;
  const deliveries: string[] = [];

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // Slow enough that the kill lands while webhook jobs are in flight.
        setTimeout(() => {
          deliveries.push(String(req.headers['idempotency-key']));
          res.writeHead(200).end();
        }, 15);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    await queues.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    await new Promise<void>((r) => receiver.close(() => r()));
    await dropSchema(schema);
  });

  it('stores every article exactly once in every sink after kill -9 and restart', async () => {
    const config = writeConfig(dir, {
      redis: { prefix },
      sinks: {
        jsonl: { path: jsonl },
        postgres: { url: TEST_DATABASE_URL, schema },
        webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'k' },
        stream: { key: `${prefix}:articles` },
      },
      queues: { lockDuration: '2s', stalledInterval: '1s' },
    });
    const env = { REDIS_URL: TEST_REDIS_URL };
    const articles = Array.from({ length: N }, (_, i) => storedArticle(`k${String(i).padStart(4, '0')}`, { story: `story-${i % 20}` }));
    await enqueue(queues, articles.flatMap((article) => SINK_NAMES.map((sink) => next('article.store', { sink, article }))));

    const stats = keysFor(prefix).stats();
    const storedSoFar = async () => Object.values(await redis.hgetall(stats)).reduce((a, v) => a + Number(v), 0);

    const first = startNewsflow({ config, workers: 'store', env });
    await waitFor('a third of the batch', async () => (await storedSoFar()) >= (N * SINK_NAMES.length) / 3, scaled(60_000));
    await first.kill('SIGKILL');
    const beforeRestart = await storedSoFar();
    expect(beforeRestart).toBeLessThan(N * SINK_NAMES.length);

    const second = startNewsflow({ config, workers: 'store', env });
    try {
      await waitFor(
        'every store job to complete',
        async () => {
          const c = await queues.get('store').getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
          return c.completed === N * SINK_NAMES.length || (c.failed ?? 0) > 0;
        },
        90_000,
      );
    } finally {
      await second.kill('SIGTERM');
    }
    expect((await queues.get('store').getJobCounts('failed')).failed).toBe(0);

    const ids = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);

    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const rows = await client.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM "${schema}".articles`);
      expect(rows.rows[0]).toEqual({ n: N, d: N });
      const counts = await client.query(`SELECT sum(article_count)::int AS n FROM "${schema}".stories`);
      expect(counts.rows[0].n).toBe(N);
    } finally {
      await client.end();
    }

    const entries = await redis.xrange(`${prefix}:articles`, '-', '+');
    expect(entries).toHaveLength(N);

    expect(new Set(deliveries).size).toBe(N);
  }, scaled(180_000));
});
