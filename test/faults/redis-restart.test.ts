// Redis goes away in the middle of a run and comes back: a redis-server of the test's own (AOF on)
// is stopped with SIGTERM, or killed with SIGKILL while every write is fsynced (appendfsync
// always, so a crash loses nothing acknowledged), then started again on the same port and data
// directory. The workers (one child per role) reconnect by themselves and the run completes with
// every article stored exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis } from '../helpers/fault-servers.js';
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

describe('Redis restarted mid-run: the pipeline resumes and loses nothing', () => {
  let site: CorpusSite;
  beforeAll(async () => {
    site = await startCorpusSite({ feeds: 3, perFeed: 20, pageDelayMs: 30, seed: 7 });
  });
  afterAll(async () => {
    await site.close();
  });

  const variants = [
    { signal: 'SIGTERM' as const, appendfsync: 'everysec' as const },
    { signal: 'SIGKILL' as const, appendfsync: 'always' as const },
  ];
  for (const { signal, appendfsync } of variants) {
    it(`${signal} (appendfsync ${appendfsync}), down for 2 s, started again on the same port and AOF`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nf-redis-restart-'));
      const server = await startOwnRedis({ dir: join(dir), appendfsync });
      const redis = new Redis(server.url, { maxRetriesPerRequest: null });
      redis.on('error', () => {});
      const jsonl = join(dir, 'articles.jsonl');
      const prefix = 'nf-restart';
      const config = writeConfig(dir, faultConfig({ prefix, feeds: site.feedUrls, jsonl }));
      const procs = new RoleProcesses(config, { REDIS_URL: server.url });
      const probe = new Probe(redis, prefix);
      const n = site.ids.size;
      try {
        procs.startAll();
        await waitFor('a quarter of the articles stored', async () => jsonlLineCount(jsonl) >= n / 4, scaled(60_000));
        await server.stop(signal);
        const storedAtStop = jsonlLineCount(jsonl);
        expect(storedAtStop).toBeLessThan(n);
        await sleep(2_000);
        expect(procs.crashed(), `workers stay up while Redis is away\n${procs.output()}`).toEqual([]);
        await server.start();
        console.info(`[redis ${signal}] stopped at ${storedAtStop}/${n} stored; restarted`);

        await waitForAllStored(probe, jsonl, n, scaled(90_000));
        expect(procs.crashed(), procs.output()).toEqual([]);
        expect(await probe.failed()).toEqual([]);
        const file = readJsonl(jsonl);
        expect(file.broken).toBe(0);
        expect(lostAndDuplicated(site.ids, file.ids)).toEqual({ lost: [], duplicated: [], unexpected: [] });
      } finally {
        await procs.stopAll();
        await probe.close().catch(() => {});
        redis.disconnect();
        await server.stop('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    }, scaled(150_000));
  }
});
