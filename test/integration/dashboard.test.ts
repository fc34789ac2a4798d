// The dashboard as people use it: auth, health, metrics, and the status page in a real headless
// Chromium (Debian's package, driven by playwright-core; no browser download).
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { parseConfig } from '../../src/shared/config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { packagePath } from '../../src/shared/paths.js';
import { startPipeline, type Pipeline } from '../../src/app.js';
import { enqueue, next } from '../../src/queues/factory.js';
import { feedPollData } from '../../src/queues/schedules.js';
import { DEMO_FEEDS } from '../../src/demo/demo.js';
import { startFixtureServer, type FixtureServer } from '../../src/demo/fixture-server.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { scaled } from '../helpers/time-scale.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AUTH = { user: 'editor', password: 'correct horse' };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('dashboard (real Redis, real browser)', () => {
  const prefix = randomPrefix('dash');
  let pipeline: Pipeline;
  let fixtures: FixtureServer;
  let base = '';

  beforeAll(async () => {
    fixtures = await startFixtureServer({
      '/feeds/': packagePath('fixtures', 'demo', 'feeds'),
      '/news/': packagePath('fixtures', 'demo', 'pages'),
      '/pages/': packagePath('fixtures', 'pages'),
    });
    const out = mkdtempSync(join(tmpdir(), 'nf-dash-'));
    const config = parseConfig(
      {
        redis: { prefix },
        feeds: [
          ...DEMO_FEEDS.map((f) => ({ url: fixtures.baseUrl + f.path, name: f.name })),
          { url: `${fixtures.baseUrl}/feeds/missing.xml`, name: 'Broken Feed' },
        ],
        network: { allow: ['127.0.0.1'] },
      // Every fixture is served by one local server: per-host spacing would only slow the run.
      fetch: { perHost: { concurrency: 8, minInterval: 0 } },
        sinks: { jsonl: { path: join(out, 'a.jsonl') } },
        dashboard: { port: 0 },
      },
      'test',
      {},
    );
    process.env.DASHBOARD_USER = AUTH.user;
    process.env.DASHBOARD_PASSWORD = AUTH.password;
    pipeline = await startPipeline({ config, redisUrl: TEST_REDIS_URL, log: silentLogger, schedules: false });
    delete process.env.DASHBOARD_USER;
    delete process.env.DASHBOARD_PASSWORD;
    base = pipeline.dashboard!.url;
    await enqueue(pipeline.queues, config.feeds.map((f) => next('feed.poll', feedPollData(f))));
    // Wait until the six demo articles are stored.
    const deadline = Date.now() + scaled(60_000);
    while (Date.now() < deadline) {
      const stored = Number((await pipeline.redis.hget(pipeline.deps.keys.stats(), 'stored:jsonl')) ?? 0);
      if (stored >= 6) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, scaled(90_000));

  afterAll(async () => {
    await pipeline?.stop();
    await fixtures?.close();
    const redis = testRedis();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('asks for credentials on the board and the status page, not on health and metrics', async () => {
    expect((await fetch(`${base}/queues`)).status).toBe(401);
    expect((await fetch(`${base}/status`)).status).toBe(401);
    expect((await fetch(`${base}/queues`, { headers: basic(AUTH.user, 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/queues`, { headers: basic(AUTH.user, AUTH.password) })).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('is ready when Redis answers and every queue has a worker', async () => {
    const res = await fetch(`${base}/readyz`);
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.workers).toMatchObject({ feed: 1, page: 1, extract: 1, classify: 1, store: 1 });
  });

  it('exports Prometheus metrics for stages, feeds, sinks and Redis', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/newsflow_queue_jobs\{queue="extract",state="completed"\} [1-9]/);
    expect(text).toMatch(/newsflow_jobs_finished_total\{queue="store",outcome="completed"\} [1-9]/);
    expect(text).toMatch(/newsflow_pipeline_counter\{name="stored:jsonl"\} 6/);
    expect(text).toMatch(/newsflow_feeds\{health="failing"\} 1/);
    expect(text).toMatch(/newsflow_job_duration_seconds_bucket\{le="[^"]+",queue="extract"\}/);
    expect(text).toMatch(/newsflow_redis_used_memory_bytes \d+/);
    // Node's process metrics under one prefix, not two.
    expect(text).toMatch(/^newsflow_process_cpu_user_seconds_total \d/m);
    expect(text).not.toContain('newsflow_process_process_');
  });

  it.skipIf(!existsSync(CHROMIUM))('shows stages, failing feeds and stories in a real browser', async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const context = await browser.newContext({ httpCredentials: { username: AUTH.user, password: AUTH.password } });
      const page = await context.newPage();
      await page.goto(`${base}/status`);
      await page.waitForSelector('#stages-body tr td');
      const stageNames = await page.locator('#stages-body tr td:first-child').allTextContents();
      expect(stageNames).toEqual(['feed', 'page', 'extract', 'classify', 'store']);

      await page.click('#tab-feeds');
      await expect.poll(() => page.locator('#feeds').isVisible()).toBe(true);
      expect(await page.locator('#stages').isVisible()).toBe(false);
      const failing = await page.locator('#feeds-body').textContent();
      expect(failing).toContain('Broken Feed');
      expect(failing).toContain('404');

      await page.click('#tab-stories');
      await page.waitForSelector('#stories-body tr td');
      const stories = await page.locator('#stories-body').textContent();
      expect(stories).toMatch(/World Wire, The Week|The Week, World Wire/);
      expect(stories).toContain('world');

      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/status-page.png', fullPage: true });
      await page.click('text=Queues (Bull Board)');
      await page.waitForURL(/\/queues/);
      expect(await page.title()).toContain('newsflow');
    } finally {
      await browser?.close();
    }
  }, scaled(60_000));
});

describe('readiness without workers', () => {
  it('reports not ready, naming the queues nobody works on', async () => {
    const prefix = randomPrefix('ready');
    const config = parseConfig({ redis: { prefix }, dashboard: { port: 0 } }, 'test', {});
    const p = await startPipeline({ config, redisUrl: TEST_REDIS_URL, log: silentLogger, roles: ['dashboard'] });
    try {
      const res = await fetch(`${p.dashboard!.url}/readyz`);
      expect(res.status).toBe(503);
      expect((await res.json()).reason).toContain('extract');
    } finally {
      await p.stop();
      const redis = testRedis();
      await cleanupPrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
