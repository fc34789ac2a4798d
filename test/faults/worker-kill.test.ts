// kill -9 each worker kind in the middle of a run and start it again. Every role runs as its own
// `newsflow start --workers <role>` child; jobs held by the dead one come back after the lock
// (2 s) expires. Every article of the generated corpus must end up stored exactly once: complete,
// unique JSONL lines and one PostgreSQL row each, with nothing failed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { QueueName } from '../../src/queues/catalog.js';
import { dropSchema, postgresAvailable, randomSchema } from '../helpers/postgres.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import {
  faultConfig,
  lostAndDuplicated,
  postgresCounts,
  Probe,
  readJsonl,
  RoleProcesses,
  startCorpusSite,
  waitFor,
  waitForAllStored,
  writeConfig,
  type CorpusSite,
  WORKER_ROLES,
  type WorkerRole,
} from '../helpers/pipeline-harness.js';
import { scaled } from '../helpers/time-scale.js';

const pgUp = await postgresAvailable();

/** The queue whose progress tells that the role is mid-run. */
const QUEUE_OF: Record<WorkerRole, QueueName> = { fetch: 'page', extract: 'extract', classify: 'classify', store: 'store' };

describe.skipIf(!pgUp)('kill -9 a worker of each kind mid-run, restart it: every article stored exactly once', () => {
  let redis: Redis;
  let site: CorpusSite;
  const prefixes: string[] = [];
  const schemas: string[] = [];

  beforeAll(async () => {
    redis = testRedis();
    // 3 feeds x 20 items; pages answer after 30 ms, so fetching paces the run.
    site = await startCorpusSite({ feeds: 3, perFeed: 20, pageDelayMs: 30 });
  });

  afterAll(async () => {
    for (const p of prefixes) await cleanupPrefix(redis, p);
    for (const s of schemas) await dropSchema(s);
    redis.disconnect();
    await site.close();
  });

  for (const role of WORKER_ROLES) {
    it(`${role}: killed while it has jobs in hand, restarted, nothing lost or doubled`, async () => {
      const prefix = randomPrefix(`kill-${role}`);
      const schema = randomSchema(`kill_${role}`);
      prefixes.push(prefix);
      schemas.push(schema);
      const dir = mkdtempSync(join(tmpdir(), `nf-kill-${role}-`));
      const jsonl = join(dir, 'articles.jsonl');
      const config = writeConfig(dir, faultConfig({ prefix, feeds: site.feedUrls, jsonl, postgres: { schema } }));
      const probe = new Probe(redis, prefix);
      const procs = new RoleProcesses(config, { REDIS_URL: TEST_REDIS_URL });
      const n = site.ids.size;
      const queue = QUEUE_OF[role];
      try {
        procs.startAll();
        // Mid-run: a sixth of the role's jobs done, and some in hand right now.
        await waitFor(`${role} to be under way`, async () => (await probe.completed(queue)) >= n / 6, scaled(60_000));
        await waitFor(`${role} to hold active jobs`, async () => (await probe.active(queue)) > 0, 20_000).catch(() => {});
        const activeAtKill = await probe.active(queue);
        await procs.kill(role, 'SIGKILL');
        const storedAtKill = readJsonl(jsonl).lines;
        expect(storedAtKill, 'the kill landed before the run was over').toBeLessThan(n);

        console.info(`[kill ${role}] kill -9 with ${activeAtKill} ${queue} jobs active, ${storedAtKill}/${n} articles stored`);
        procs.start(role);
        await waitForAllStored(probe, jsonl, n, scaled(90_000));
        expect(procs.crashed(), procs.output()).toEqual([]);

        const failed = await probe.failed();
        expect(failed, 'no job failed').toEqual([]);
        const file = readJsonl(jsonl);
        expect(file.broken, 'every JSONL line is a complete record').toBe(0);
        expect(file.endsWithNewline).toBe(true);
        const jsonlDiff = lostAndDuplicated(site.ids, file.ids);
        expect(jsonlDiff, `JSONL after killing ${role} (${activeAtKill} jobs active at the kill)`).toEqual({ lost: [], duplicated: [], unexpected: [] });
        const rows = await postgresCounts(schema);
        expect(lostAndDuplicated(site.ids, rows.ids), 'PostgreSQL rows').toEqual({ lost: [], duplicated: [], unexpected: [] });
      } finally {
        await procs.stopAll();
        await probe.close();
      }
    }, scaled(150_000));
  }
});
