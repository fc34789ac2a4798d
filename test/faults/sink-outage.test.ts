// A sink's backend goes away for a while and comes back.
// - PostgreSQL: the shared server stays up; a TCP proxy of the test's own sits between the sink and
//   127.0.0.1:5432 and cuts every connection (and resets new ones) for a few seconds. Store jobs
//   for PostgreSQL fail and retry, then land: one row per article.
// - Webhook: the receiver answers 500 until the JSONL sink holds every article (so the JSONL sink
//   was not held up by the failing one), then 200: every article delivered, one idempotency key
//   each, none twice.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysFor } from '../../src/shared/keys.js';
import { startTcpProxy } from '../helpers/fault-servers.js';
import { dropSchema, postgresAvailable, randomSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import {
  faultConfig,
  jsonlLineCount,
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
} from '../helpers/pipeline-harness.js';
import { scaled } from '../helpers/time-scale.js';

const pgUp = await postgresAvailable();

describe('a sink backend down for a while', () => {
  let redis: Redis;
  let site: CorpusSite;
  const prefixes: string[] = [];

  beforeAll(async () => {
    redis = testRedis();
    site = await startCorpusSite({ feeds: 3, perFeed: 20, pageDelayMs: 30, seed: 11 });
  });
  afterAll(async () => {
    for (const p of prefixes) await cleanupPrefix(redis, p);
    redis.disconnect();
    await site.close();
  });

  it.skipIf(!pgUp)('PostgreSQL cut off for 4 s behind a proxy: store jobs retry and land, one row per article', async () => {
    const prefix = randomPrefix('pgdown');
    prefixes.push(prefix);
    const schema = randomSchema('pgdown');
    const dir = mkdtempSync(join(tmpdir(), 'nf-pgdown-'));
    const jsonl = join(dir, 'articles.jsonl');
    const proxy = await startTcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const config = writeConfig(dir, faultConfig({ prefix, feeds: site.feedUrls, jsonl, postgres: { url: viaProxy.href, schema } }));
    const procs = new RoleProcesses(config, { REDIS_URL: TEST_REDIS_URL });
    const probe = new Probe(redis, prefix);
    const n = site.ids.size;
    try {
      procs.start('fetch,extract,classify,store');
      await waitFor('a quarter of the rows', async () => (await probe.stored('postgres')) >= n / 4, scaled(60_000));
      proxy.cut();
      const rowsAtCut = await probe.stored('postgres');
      await sleep(4_000);
      const retries = Number(await redis.hget(keysFor(prefix).stats(), 'retry:store'));
      const rowsWhileDown = await probe.stored('postgres');
      proxy.restore();
      console.info(`[postgres down] cut at ${rowsAtCut}/${n} rows; ${retries} store retries and ${proxy.refused} refused connections while down`);
      expect(rowsAtCut).toBeLessThan(n);
      // The outage was real: at most the transactions already in flight (the pool's 4 connections)
      // landed while PostgreSQL was cut off. Store jobs either failed and were retried, or waited
      // on a dead connection until the query timeout; which one depends on timing.
      expect(rowsWhileDown - rowsAtCut).toBeLessThanOrEqual(4);

      await waitForAllStored(probe, jsonl, n, 120_000).catch((err) => {
        throw new Error(`${(err as Error).message}\n--- pipeline output ---\n${procs.output().slice(-4000)}`);
      });
      await waitFor('every PostgreSQL row', async () => (await probe.stored('postgres')) >= n, scaled(30_000));
      expect(procs.crashed(), procs.output()).toEqual([]);
      expect(await probe.failed()).toEqual([]);
      const rows = await postgresCounts(schema);
      expect(lostAndDuplicated(site.ids, rows.ids)).toEqual({ lost: [], duplicated: [], unexpected: [] });
      expect(lostAndDuplicated(site.ids, readJsonl(jsonl).ids)).toEqual({ lost: [], duplicated: [], unexpected: [] });
    } finally {
      await procs.stopAll();
      await proxy.close();
      await dropSchema(schema);
    }
  }, scaled(180_000));

  it('webhook answering 500 until the other sink is complete, then 200: every article delivered once, JSONL never held up', async () => {
    const prefix = randomPrefix('hook500');
    prefixes.push(prefix);
    const dir = mkdtempSync(join(tmpdir(), 'nf-hook500-'));
    const jsonl = join(dir, 'articles.jsonl');
    let healthy = false;
    let refusedDeliveries = 0;
    const delivered: string[] = [];
    const receiver: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (!healthy) {
          refusedDeliveries++;
          return void res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down for maintenance');
        }
        // `<article id>.<content version>`: one per article here, as nothing is reprocessed.
        delivered.push(String(req.headers['idempotency-key']).split('.')[0]!);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const config = writeConfig(dir, faultConfig({ prefix, feeds: site.feedUrls, jsonl, webhook: { url: hook } }));
    const procs = new RoleProcesses(config, { REDIS_URL: TEST_REDIS_URL });
    const probe = new Probe(redis, prefix);
    const n = site.ids.size;
    try {
      procs.start('fetch,extract,classify,store');
      // The JSONL sink must complete while every webhook delivery is still being refused.
      await waitFor('every article in JSONL while the webhook fails', async () => jsonlLineCount(jsonl) >= n, scaled(90_000));
      expect(delivered).toEqual([]);
      expect(refusedDeliveries).toBeGreaterThan(0);
      healthy = true;
      console.info(`[webhook 500] JSONL complete (${n}) with ${refusedDeliveries} deliveries refused; receiver healthy again`);

      await waitFor('every webhook delivery', async () => new Set(delivered).size >= n && (await probe.idle()), scaled(120_000));
      expect(procs.crashed(), procs.output()).toEqual([]);
      expect(await probe.failed()).toEqual([]);
      expect(lostAndDuplicated(site.ids, delivered), 'idempotency keys of the successful deliveries').toEqual({ lost: [], duplicated: [], unexpected: [] });
      expect(lostAndDuplicated(site.ids, readJsonl(jsonl).ids)).toEqual({ lost: [], duplicated: [], unexpected: [] });
    } finally {
      await procs.stopAll();
      await new Promise<void>((r) => receiver.close(() => r()));
      receiver.closeAllConnections();
    }
  }, scaled(180_000));
});
