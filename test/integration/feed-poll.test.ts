// feed.poll against real Redis and a local feed server: conditional GET, dedup by canonical URL
// and by GUID across polls, failure bookkeeping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../src/shared/config.js';
import { feedId, keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createQueues, enqueue, next, type QueueSet } from '../../src/queues/factory.js';
import { startWorker } from '../../src/workers/runner.js';
import { feedPollHandler } from '../../src/workers/fetch/feed.worker.js';
import type { PipelineDeps } from '../../src/workers/context.js';
import type { JobContext } from '../../src/workers/runner.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';
import { scaled } from '../helpers/time-scale.js';

function rss(items: { title: string; link: string; guid: string }[], site = 'http://example.test/'): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Test feed</title><link>${site}</link>
${items.map((i) => `<item><title>${i.title}</title><link>${i.link}</link><guid isPermaLink="false">${i.guid}</guid><pubDate>Tue, 05 Mar 2024 12:00:00 GMT</pubDate></item>`).join('\n')}
</channel></rss>`;
}

describe('feed.poll (real Redis)', () => {
  const prefix = randomPrefix('feed');
  let redis: Redis;
  let queues: QueueSet;
  let server: MisbehavingServer;
  let deps: PipelineDeps;
  let feedXml = '';
  let etag = '"v1"';
  // The handler's clock: moved on between polls, so each poll is due (see nextPoll).
  let clock = Date.now();
  const later = () => (clock += 7 * 3_600_000);

  const ctx = (): JobContext => ({
    log: silentLogger,
    job: {} as JobContext['job'],
    attempt: 1,
    enqueue: (jobs) => enqueue(queues, jobs),
  });
  const pageJobs = async () => (await queues.get('page').getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.data.url as string);

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    server = await startMisbehavingServer({
      '/feed.xml': (req, res) => {
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag }).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag }).end(feedXml);
      },
      '/broken.xml': behave.body('<rss><channel><item><title>unclosed', 'application/rss+xml'),
    });
    const config = parseConfig(
      { redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { perHost: { minInterval: 0 } } },
      'test',
      {},
    );
    deps = { config, redis, queues, keys: keysFor(prefix), log: silentLogger, now: () => new Date(clock) };
  });

  afterAll(async () => {
    await queues.close();
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('queues each new item once, and nothing on an unchanged (304) feed', async () => {
    const base = server.baseUrl;
    feedXml = rss(
      [
        { title: 'One', link: `${base}/a/1`, guid: 'g1' },
        { title: 'Two', link: `${base}/a/2`, guid: 'g2' },
        { title: 'Three', link: '/a/3', guid: 'g3' }, // relative: resolved against the channel's site link
      ],
      `${base}/`,
    );
    const poll = feedPollHandler(deps);
    await poll({ feedUrl: server.url('/feed.xml'), name: 'Test' }, ctx());
    expect((await pageJobs()).sort()).toEqual([`${base}/a/1`, `${base}/a/2`, `${base}/a/3`]);

    later();
    await poll({ feedUrl: server.url('/feed.xml'), name: 'Test' }, ctx());
    expect(server.requests.filter((r) => r.path === '/feed.xml').at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(await pageJobs()).toHaveLength(3);
    const state = await redis.hgetall(deps.keys.feedState(feedId(server.url('/feed.xml'))));
    expect(state.lastStatus).toBe('304');
  });

  it('does not re-queue items whose links gained tracking parameters or whose GUIDs changed', async () => {
    const base = server.baseUrl;
    etag = '"v2"';
    later();
    feedXml = rss([
      { title: 'One', link: `${base}/a/1?utm_source=rss&utm_medium=feed`, guid: 'g1' },
      { title: 'Two', link: `${base}/a/2#comments`, guid: 'g2-renamed' },
      { title: 'Three again', link: `${base}/a/3-moved`, guid: 'g3' },
      { title: 'Four', link: `${base}/a/4?fbclid=abc`, guid: 'g4' },
    ]);
    await feedPollHandler(deps)({ feedUrl: server.url('/feed.xml'), name: 'Test' }, ctx());
    const urls = await pageJobs();
    expect(urls).toHaveLength(4);
    expect(urls).toContain(`${base}/a/4?fbclid=abc`);
  });

  it('records a broken feed as a failure with its reason, and throws', async () => {
    const url = server.url('/broken.xml');
    await expect(feedPollHandler(deps)({ feedUrl: url, name: null }, ctx())).rejects.toThrow();
    const state = await redis.hgetall(deps.keys.feedState(feedId(url)));
    expect(Number(state.failures)).toBe(1);
    expect(state.lastError).toBeTruthy();
  });

  it('a poll that finds the feed locked by a poller killed mid-poll retries when the lock runs out', async () => {
    const base = server.baseUrl;
    const url = server.url('/orphaned.xml');
    server.route('/orphaned.xml', behave.body(rss([{ title: 'Kept', link: `${base}/orphan/1`, guid: 'o1' }], `${base}/`), 'application/rss+xml'));
    // The lock of a process that died while polling: nobody will release it.
    await redis.set(keysFor(prefix).feedLock(feedId(url)), 'dead-process', 'PX', 1_500);
    const connection = testRedis();
    const worker = startWorker('feed', { 'feed.poll': feedPollHandler(deps) }, { connection, queues, log: silentLogger, concurrency: 1 });
    try {
      await enqueue(queues, [next('feed.poll', { feedUrl: url, name: null })]);
      await new Promise((r) => setTimeout(r, 800));
      expect(await pageJobs()).not.toContain(`${base}/orphan/1`);
      const deadline = Date.now() + scaled(10_000);
      while (!(await pageJobs()).includes(`${base}/orphan/1`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await pageJobs()).toContain(`${base}/orphan/1`);
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });
});
