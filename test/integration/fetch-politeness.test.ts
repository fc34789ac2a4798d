// Per-host politeness across processes, against real Redis and local servers: the concurrency
// cap and spacing hold for gates that share nothing but Redis, a 429/503 with Retry-After holds
// back that host only, a dead process's lease expires, and inside real BullMQ workers a busy
// host delays jobs without spending their attempts, and a full extract backlog pauses page
// downloads (fetch.maxPendingPages) until extraction catches up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseConfig, type ConfigInput } from '../../src/shared/config.js';
import { keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createNetGuard } from '../../src/shared/net-guard.js';
import { httpGet } from '../../src/shared/http.js';
import { RetryableError } from '../../src/shared/errors.js';
import { createQueues, enqueue, next, type QueueSet } from '../../src/queues/factory.js';
import { createHostGate, HostBusy, hostOf } from '../../src/workers/fetch/host-gate.js';
import { pageFetchHandler } from '../../src/workers/fetch/page.worker.js';
import { startWorker } from '../../src/workers/runner.js';
import type { PipelineDeps } from '../../src/workers/context.js';
import { behave, startMisbehavingServer, type Handler, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';
import { scaled } from '../helpers/time-scale.js';

const guard = createNetGuard(['127.0.0.1']);

/** A route that takes `ms` and records how many requests were in flight at once, and when each began. */
function tracked(ms: number, body = '<html><body><p>ok</p></body></html>') {
  const t = { inFlight: 0, maxInFlight: 0, starts: [] as number[] };
  const handler: Handler = async (_req, res, ctx) => {
    t.starts.push(Date.now());
    t.inFlight += 1;
    t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
    await ctx.sleep(ms);
    t.inFlight -= 1;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  };
  return { t, handler };
}

const gaps = (starts: number[]) => starts.slice(1).map((s, i) => s - starts[i]!);

describe('per-host politeness (real Redis)', () => {
  const prefix = randomPrefix('polite');
  const keys = keysFor(prefix);
  let redis: Redis;
  let redis2: Redis;
  let a: MisbehavingServer;
  let b: MisbehavingServer;

  beforeAll(async () => {
    redis = testRedis();
    redis2 = testRedis();
    a = await startMisbehavingServer();
    b = await startMisbehavingServer();
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    redis2.disconnect();
  });

  it('caps requests in flight per host across gates that share only Redis', async () => {
    const { t, handler } = tracked(150);
    a.route('/cap', handler);
    // Two "processes": separate connections, separate gates.
    const opts = { concurrency: 2, minIntervalMs: 0, leaseMs: 10_000 };
    const gates = [createHostGate(redis, keys, opts), createHostGate(redis2, keys, opts)];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => gates[i % 2]!.run(a.url('/cap'), undefined, () => httpGet(a.url('/cap'), { guard }))),
    );
    expect(t.starts).toHaveLength(6);
    expect(t.maxInFlight).toBe(2);
    expect(await redis.zcard(keys.hostLeases(hostOf(a.baseUrl)))).toBe(0); // every lease released
  });

  it('spaces request starts to one host by minInterval, and leaves other hosts alone', async () => {
    const slow = tracked(10);
    const other = tracked(10);
    a.route('/spaced', slow.handler);
    b.route('/spaced', other.handler);
    const gate = createHostGate(redis, keys, { concurrency: 5, minIntervalMs: 250, leaseMs: 10_000 });
    const t0 = Date.now();
    await Promise.all([
      ...Array.from({ length: 3 }, () => gate.run(a.url('/spaced'), undefined, () => httpGet(a.url('/spaced'), { guard }))),
      gate.run(b.url('/spaced'), undefined, () => httpGet(b.url('/spaced'), { guard })),
    ]);
    for (const gap of gaps(slow.t.starts)) expect(gap).toBeGreaterThanOrEqual(240);
    expect(other.t.starts[0]! - t0).toBeLessThan(200);
  });

  it('a 429 with Retry-After holds back that host for every job, and no other host', async () => {
    a.route('/limited', behave.status(429, { 'retry-after': '2' }));
    a.route('/fine', behave.body('ok'));
    b.route('/fine', behave.body('ok'));
    const gate = createHostGate(redis, keys, { concurrency: 2, minIntervalMs: 0, leaseMs: 10_000 });
    const err = await gate.run(a.url('/limited'), undefined, () => httpGet(a.url('/limited'), { guard })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).toBe(2000);

    const busy = await gate.acquire(a.url('/fine')).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(HostBusy);
    expect((busy as HostBusy).why).toBe('retry_after');
    expect((busy as HostBusy).waitMs).toBeGreaterThan(1500);

    const lease = await gate.acquire(b.url('/fine')); // other host unaffected
    await gate.release(lease);

    const t0 = Date.now();
    await gate.run(a.url('/fine'), undefined, () => httpGet(a.url('/fine'), { guard }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
  });

  it("a lease held by a process that died expires by itself", async () => {
    a.route('/dead', behave.body('ok'));
    const gate = createHostGate(redis, keys, { concurrency: 1, minIntervalMs: 0, leaseMs: 300 });
    const host = new URL(a.url('/dead')).host;
    await redis.del(keys.hostLeases(host), keys.hostState(host));
    await gate.acquire(a.url('/dead')); // never released
    await expect(gate.acquire(a.url('/dead'))).rejects.toMatchObject({ why: 'concurrency' });
    await new Promise((r) => setTimeout(r, 350));
    await gate.release(await gate.acquire(a.url('/dead')));
  });
});

describe('politeness inside BullMQ workers (real Redis)', () => {
  const prefix = randomPrefix('polite-w');
  let redis: Redis;
  let queues: QueueSet;
  let server: MisbehavingServer;

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    server = await startMisbehavingServer();
  });

  /** `n` page jobs with ids `<tag>000…i` for `<path>/i` on the test server. */
  const enqueuePages = (tag: string, path: string, n: number) =>
    enqueue(
      queues,
      Array.from({ length: n }, (_, i) =>
        next('article.fetch', {
          id: `${tag}${String(i).padStart(20, '0')}`,
          url: server.url(`${path}/${i}`),
          feed: { url: server.url('/feed'), name: null },
          item: { title: null, published: null, author: null, guid: null },
          times: { discovered: new Date().toISOString() },
        }),
      ),
    );

  afterAll(async () => {
    await queues.close();
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('delays page jobs for a busy host without spending attempts, two workers sharing the limits', async () => {
    const { t, handler } = tracked(100);
    server.route('/p/*', handler);
    const input: ConfigInput = {
      redis: { prefix },
      network: { allow: ['127.0.0.1'] },
      fetch: { robots: false, perHost: { concurrency: 1, minInterval: '200ms' } },
    };
    const config = parseConfig(input, 'test', {});
    const deps: PipelineDeps = { config, redis, queues, keys: keysFor(prefix), log: silentLogger };
    const conns = [testRedis(), testRedis()];
    const workers = conns.map((connection) =>
      startWorker('page', { 'article.fetch': pageFetchHandler(deps) }, { connection, queues, log: silentLogger, concurrency: 4 }),
    );
    try {
      const n = 5;
      await enqueuePages('a', '/p', n);
      const deadline = Date.now() + scaled(15_000);
      while ((await queues.get('extract').count()) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await queues.get('extract').count()).toBe(n);
      expect(t.maxInFlight).toBe(1);
      for (const gap of gaps(t.starts)) expect(gap).toBeGreaterThanOrEqual(190);
      const done = await queues.get('page').getCompleted();
      expect(done).toHaveLength(n);
      // Turned away by the gate is not a failed attempt: each job completed on its one real try.
      for (const job of done) expect(job.attemptsMade).toBeLessThanOrEqual(1);
      expect(await queues.get('page').getFailedCount()).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      for (const c of conns) c.disconnect();
    }
  }, scaled(30_000));

  it('stops downloading pages while fetch.maxPendingPages bodies wait for extraction, and resumes as they drain', async () => {
    const { t, handler } = tracked(5);
    server.route('/bp/*', handler);
    const config = parseConfig(
      { redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { robots: false, maxPendingPages: 2, perHost: { concurrency: 8, minInterval: 0 } } },
      'test',
      {},
    );
    const deps: PipelineDeps = { config, redis, queues, keys: keysFor(prefix), log: silentLogger };
    const extractQueue = queues.get('extract');
    await extractQueue.obliterate({ force: true });
    const connection = testRedis();
    const pages = startWorker('page', { 'article.fetch': pageFetchHandler(deps) }, { connection, queues, log: silentLogger, concurrency: 4 });
    let extractor: Worker | null = null;
    try {
      const n = 6;
      await enqueuePages('b', '/bp', n);
      // Nothing extracts yet: downloads stop at the cap.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(await extractQueue.count()).toBe(2);
      expect(t.starts).toHaveLength(2);
      // Extraction catches up (a stand-in stage that completes each job): every page follows.
      extractor = new Worker('extract', async () => {}, { connection: testRedis(), prefix });
      const deadline = Date.now() + scaled(25_000);
      while (t.starts.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(t.starts).toHaveLength(n);
      // The last download has started; its job completes a moment later (park, hand on, finish).
      const completed = async () => (await queues.get('page').getCompleted()).filter((j) => j.data.id.startsWith('b'));
      while ((await completed()).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await completed()).toHaveLength(n);
      expect(await queues.get('page').getFailedCount()).toBe(0);
    } finally {
      await pages.close();
      await extractor?.close();
      connection.disconnect();
    }
  }, scaled(40_000));
});
