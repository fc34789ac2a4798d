// Two ways a run ends badly for some jobs but well for the articles.
// - SIGTERM under load: the process lets its active jobs finish and exits 0 before
//   NEWSFLOW_SHUTDOWN_TIMEOUT_MS (the force-exit timer would exit 1); no job is left active, the
//   JSONL file holds whole lines only; started again, the run completes exactly once.
// - Poison jobs: a parked page body that is not gzip (extract throws on every attempt), a classify
//   payload that fails validation, a page with no article text and a PDF behind a feed link. Each
//   ends in the failed set with its reason, visible through `newsflow failed list --json`, while
//   every normal article is stored.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../src/queues/catalog.js';
import { enqueue, next } from '../../src/queues/factory.js';
import { keysFor } from '../../src/shared/keys.js';
import { packagePath } from '../../src/shared/paths.js';
import { articleId } from '../../src/shared/url.js';
import { behave } from '../helpers/misbehaving-server.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import {
  faultConfig,
  jsonlLineCount,
  lostAndDuplicated,
  Probe,
  readJsonl,
  RoleProcesses,
  startCorpusSite,
  waitFor,
  waitForAllStored,
  writeConfig,
  type CorpusSite,
} from '../helpers/pipeline-harness.js';
import { scaled } from '../helpers/time-scale.js';

const run = promisify(execFile);
const GRACE_MS = 20_000;

describe('shutdown under load and poison jobs', () => {
  let redis: Redis;
  let site: CorpusSite;
  const prefixes: string[] = [];

  beforeAll(async () => {
    redis = testRedis();
    site = await startCorpusSite({
      feeds: 3,
      perFeed: 20,
      pageDelayMs: 30,
      seed: 23,
      routes: {
        '/feeds/poison.xml': (_req, res, ctx) =>
          behave.body(
            `<?xml version="1.0"?><rss version="2.0"><channel><title>Poison</title>
<item><title>Nothing here</title><link>${ctx.server.url('/poison/empty.html')}</link></item>
<item><title>A PDF</title><link>${ctx.server.url('/poison/report.pdf')}</link></item>
</channel></rss>`,
            'application/rss+xml',
          )(_req, res, ctx),
        '/poison/empty.html': behave.body('<!doctype html><html><head><title>Empty</title></head><body><p>Coming soon.</p></body></html>', 'text/html'),
        '/poison/report.pdf': behave.body(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'), 'application/pdf'),
      },
    });
  });
  afterAll(async () => {
    for (const p of prefixes) await cleanupPrefix(redis, p);
    redis.disconnect();
    await site.close();
  });

  it('SIGTERM under load drains active jobs and exits 0 within the grace period; restarted, the run completes exactly once', async () => {
    const prefix = randomPrefix('sigterm');
    prefixes.push(prefix);
    const dir = mkdtempSync(join(tmpdir(), 'nf-sigterm-'));
    const jsonl = join(dir, 'articles.jsonl');
    const config = writeConfig(dir, faultConfig({ prefix, feeds: site.feedUrls, jsonl }));
    const procs = new RoleProcesses(config, { REDIS_URL: TEST_REDIS_URL, NEWSFLOW_SHUTDOWN_TIMEOUT_MS: String(GRACE_MS) });
    const probe = new Probe(redis, prefix);
    const n = site.ids.size;
    const activeJobs = async () => {
      let a = 0;
      for (const q of QUEUE_NAMES) a += await probe.active(q);
      return a;
    };
    try {
      const all = 'fetch,extract,classify,store';
      procs.start(all);
      await waitFor('a quarter stored with jobs in hand', async () => jsonlLineCount(jsonl) >= n / 4 && (await activeJobs()) > 0, scaled(60_000));
      const activeAtSignal = await activeJobs();
      const code = await procs.kill(all, 'SIGTERM');
      const storedAtExit = jsonlLineCount(jsonl);
      console.info(`[sigterm] ${activeAtSignal} jobs active at SIGTERM; exit code ${code}; ${storedAtExit}/${n} stored`);
      expect(code, `exit code after SIGTERM (1 would be the force-exit timer)\n${procs.output()}`).toBe(0);
      expect(storedAtExit).toBeLessThan(n);
      expect(await activeJobs(), 'no job left active (half done) by the stopped process').toBe(0);
      const half = readJsonl(jsonl);
      expect(half.broken).toBe(0);
      expect(half.endsWithNewline).toBe(true);

      procs.start(all);
      await waitForAllStored(probe, jsonl, n, scaled(90_000));
      expect(await probe.failed()).toEqual([]);
      expect(lostAndDuplicated(site.ids, readJsonl(jsonl).ids)).toEqual({ lost: [], duplicated: [], unexpected: [] });
    } finally {
      await procs.stopAll();
      await probe.close();
    }
  }, scaled(150_000));

  it('poison jobs are dead-lettered with their reasons (newsflow failed list --json) while everything else flows', async () => {
    const prefix = randomPrefix('poison');
    prefixes.push(prefix);
    const dir = mkdtempSync(join(tmpdir(), 'nf-poison-'));
    const jsonl = join(dir, 'articles.jsonl');
    const feeds = [...site.feedUrls, site.server.url('/feeds/poison.xml')];
    const config = writeConfig(dir, faultConfig({ prefix, feeds, jsonl }));
    const procs = new RoleProcesses(config, { REDIS_URL: TEST_REDIS_URL });
    const probe = new Probe(redis, prefix);
    const n = site.ids.size;
    const keys = keysFor(prefix);
    try {
      // A parked body that is not gzip: gunzip throws an ordinary error on every attempt.
      const badUrl = site.server.url('/news/corrupt.html');
      const badId = articleId(badUrl);
      await redis.set(keys.body(badId), 'this is not gzip', 'EX', 600);
      await enqueue(probe.queues, [
        next('article.extract', {
          id: badId,
          url: badUrl,
          finalUrl: badUrl,
          bodyKey: keys.body(badId),
          feed: { url: 'http://127.0.0.1/poison', name: 'Poison' },
          item: { title: 'Corrupt body', published: null, author: null, guid: null },
          times: { discovered: new Date().toISOString() },
        }),
      ]);
      // A payload the runner refuses (added around the typed producer, which would refuse it too).
      await probe.queues.get('classify').add('article.classify', { id: 'apoison', article: { text: 42 } }, { jobId: 'classify-apoison', attempts: 5 });

      procs.start('fetch,extract,classify,store');
      await waitForAllStored(probe, jsonl, n, scaled(90_000));
      expect(procs.crashed(), procs.output()).toEqual([]);
      expect(lostAndDuplicated(site.ids, readJsonl(jsonl).ids)).toEqual({ lost: [], duplicated: [], unexpected: [] });

      const { stdout } = await run(process.execPath, [packagePath('dist', 'cli.js'), '--config', config, 'failed', 'list', '--json'], {
        env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn' },
        timeout: 30_000,
      });
      const rows = JSON.parse(stdout) as { queue: string; id: string; attempts: number; reason: string; url?: string }[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      console.info(`[poison] failed list: ${rows.map((r) => `${r.queue}/${r.id} x${r.attempts}: ${r.reason.slice(0, 60)}`).join(' | ')}`);

      const corrupt = byId.get(`extract-${badId}`);
      expect(corrupt, 'the corrupt body is dead-lettered').toBeDefined();
      expect(corrupt!.attempts, 'after all its attempts').toBe(3);
      expect(corrupt!.reason).toMatch(/header|gzip|incorrect/i);

      expect(byId.get('classify-apoison')?.reason).toMatch(/^invalid_payload: /);
      expect(byId.get('classify-apoison')?.attempts).toBe(1);

      const empty = byId.get(`extract-${articleId(site.server.url('/poison/empty.html'))}`);
      expect(empty?.reason).toMatch(/^no_content: /);
      const pdf = byId.get(`page-${articleId(site.server.url('/poison/report.pdf'))}`);
      expect(pdf?.reason).toMatch(/^not_html: page is application\/pdf/);
      expect(rows).toHaveLength(4);
    } finally {
      await procs.stopAll();
      await probe.close();
    }
  }, scaled(150_000));
});
