// Feed polling over time, against real Redis and a local server: schedules created once however
// many processes start together, backoff of a failing feed (no request before it is due, never a
// give-up), the adaptive interval and server floors, autodiscovery, reprocessing changed items,
// items repeated with new tracking parameters and GUIDs, and OPML in and out of the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseConfig, type Config } from '../../src/shared/config.js';
import { feedId, keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createQueues, enqueue, type QueueSet } from '../../src/queues/factory.js';
import { syncFeedSchedules } from '../../src/queues/schedules.js';
import { exportOpml, feedHealth, importOpml, registeredFeeds } from '../../src/workers/fetch/feeds-registry.js';
import { feedPollHandler } from '../../src/workers/fetch/feed.worker.js';
import { parseOpml } from '../../src/workers/fetch/opml.js';
import type { PipelineDeps } from '../../src/workers/context.js';
import type { JobContext } from '../../src/workers/runner.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../helpers/misbehaving-server.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';
import { scaled } from '../helpers/time-scale.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Item { link: string; guid?: string; date?: Date; summary?: string }
function rss(items: Item[], extra = ''): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://example.test/</link>${extra}
${items.map((i) => `<item><title>x</title><link>${i.link}</link>${i.guid ? `<guid isPermaLink="false">${i.guid}</guid>` : ''}${i.date ? `<pubDate>${i.date.toUTCString()}</pubDate>` : ''}<description>${i.summary ?? 's'}</description></item>`).join('\n')}
</channel></rss>`;
}

describe('feed polling over time (real Redis)', () => {
  const prefix = randomPrefix('feeds');
  const keys = keysFor(prefix);
  let redis: Redis;
  let queues: QueueSet;
  let server: MisbehavingServer;
  let config: Config;
  let clock = Date.now();

  const deps = (over: Partial<Config['fetch']> = {}): PipelineDeps => ({
    config: { ...config, fetch: { ...config.fetch, ...over } },
    redis,
    queues,
    keys,
    log: silentLogger,
    now: () => new Date(clock),
  });
  const ctx = (): JobContext => ({ log: silentLogger, job: {} as JobContext['job'], attempt: 1, enqueue: (jobs) => enqueue(queues, jobs) });
  const state = (url: string) => redis.hgetall(keys.feedState(feedId(url)));
  const poll = (url: string, d = deps()) => feedPollHandler(d)({ feedUrl: url, name: null }, ctx());
  const pageJobIds = async () => (await queues.get('page').getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.id!);

  beforeAll(async () => {
    redis = testRedis();
    queues = createQueues(redis, prefix);
    server = await startMisbehavingServer();
    config = parseConfig(
      { redis: { prefix }, network: { allow: ['127.0.0.1'], timeout: '2s' }, fetch: { perHost: { minInterval: 0 } } },
      'test',
      {},
    );
  });

  afterAll(async () => {
    await queues.close();
    await server.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('N processes syncing at once make one scheduler and one immediate poll per feed; a restart adds none', async () => {
    const cfg = parseConfig(
      { redis: { prefix }, feeds: [{ url: server.url('/s/1') }, { url: server.url('/s/2'), interval: '1h' }, { url: server.url('/s/3') }] },
      'test',
      {},
    );
    const many = Array.from({ length: 6 }, () => createQueues(testRedis(), prefix));
    try {
      await Promise.all(many.map((q) => syncFeedSchedules(q, cfg, silentLogger)));
      const feedQ = queues.get('feed');
      const schedulers = await feedQ.getJobSchedulers(0, -1);
      expect(schedulers).toHaveLength(3);
      expect(schedulers.find((s) => s.key.endsWith(feedId(server.url('/s/2'))))?.every).toBe(HOUR);
      expect(schedulers.find((s) => s.key.endsWith(feedId(server.url('/s/1'))))?.every).toBe(cfg.fetch.minInterval);
      const now = await feedQ.getJobs(['waiting']);
      expect(now.map((j) => j.data.feedUrl).sort()).toEqual([1, 2, 3].map((i) => server.url(`/s/${i}`)));
      // The schedulers' own first ticks are one interval away, not now.
      const ticks = await feedQ.getJobs(['delayed']);
      expect(ticks).toHaveLength(3);
      for (const t of ticks) expect(t.timestamp + t.delay).toBeGreaterThan(Date.now() + 4 * MIN);

      // A restart of every container: the same schedules, and no extra polls.
      await Promise.all(many.map((q) => syncFeedSchedules(q, cfg, silentLogger)));
      expect(await feedQ.getJobSchedulers(0, -1)).toHaveLength(3);
      expect(await feedQ.getJobs(['waiting'])).toHaveLength(3);
      expect(await feedQ.getJobs(['delayed'])).toHaveLength(3);
    } finally {
      await Promise.all(many.map((q) => q.close()));
      await queues.get('feed').obliterate({ force: true });
    }
  }, scaled(20_000));

  it('a failing feed backs off exponentially up to maxBackoff, without requests before it is due, and recovers', async () => {
    let up = false;
    const url = server.url('/flaky.xml');
    server.route('/flaky.xml', (_req, res) => {
      if (up) res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ link: server.url('/flaky/1') }]));
      else res.writeHead(500).end('down');
    });
    const d = deps({ maxBackoff: 2 * HOUR, interval: 15 * MIN });
    const waits: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const start = clock;
      await expect(poll(url, d)).rejects.toMatchObject({ code: 'http_500' });
      const s = await state(url);
      expect(Number(s.failures)).toBe(i);
      waits.push(Date.parse(s.nextPoll!) - start);
      // Ticks before nextPoll make no request.
      const hits = server.hits('/flaky.xml');
      clock += 5 * MIN;
      await poll(url, d);
      expect(server.hits('/flaky.xml')).toBe(hits);
      clock = Date.parse(s.nextPoll!);
    }
    expect(waits).toEqual([15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 2 * HOUR]);

    const cfg = { ...config, feeds: [{ url }] };
    const [health] = await feedHealth(redis, keys, queues, cfg);
    expect(health).toMatchObject({ failures: 5, lastErrorCode: 'http_500', lastSuccess: null });
    expect(health!.lastError).toContain('answered 500');
    expect(health!.nextPoll).toBe(new Date(clock).toISOString());

    up = true;
    await poll(url, d);
    const s = await state(url);
    expect(s).toMatchObject({ failures: '0', lastError: '', lastErrorCode: '' });
    expect(Date.parse(s.nextPoll!)).toBeGreaterThan(clock);
  });

  it('learns the interval from publishing times, within bounds, never sooner than <ttl> or max-age', async () => {
    const items = (gap: number) => Array.from({ length: 10 }, (_, i) => ({ link: server.url(`/ad/${gap}/${i}`), date: new Date(clock - i * gap) }));
    server.route('/every40m.xml', behave.body(rss(items(40 * MIN)), 'application/rss+xml'));
    server.route('/every1m.xml', behave.body(rss(items(MIN)), 'application/rss+xml'));
    server.route('/ttl.xml', behave.body(rss(items(MIN), '<ttl>180</ttl>'), 'application/rss+xml'));
    server.route('/maxage.xml', behave.body(rss(items(MIN)), 'application/rss+xml', { 'cache-control': 'max-age=5400' }));
    const due = async (path: string) => {
      await poll(server.url(path));
      const s = await state(server.url(path));
      return { interval: Number(s.interval), wait: Date.parse(s.nextPoll!) - clock };
    };
    const forty = await due('/every40m.xml');
    expect(forty.interval).toBe(40 * MIN);
    expect(forty.wait).toBeGreaterThanOrEqual(36 * MIN); // ±10% jitter
    expect(forty.wait).toBeLessThanOrEqual(44 * MIN);
    expect((await due('/every1m.xml')).interval).toBe(config.fetch.minInterval);
    expect((await due('/ttl.xml')).wait).toBe(3 * HOUR);
    expect((await due('/maxage.xml')).wait).toBe(90 * MIN);
  });

  it('a 503 with Retry-After sets nextPoll at least that far out', async () => {
    server.route('/busy.xml', behave.status(503, { 'retry-after': '10800' }));
    await expect(poll(server.url('/busy.xml'))).rejects.toMatchObject({ code: 'http_503' });
    const s = await state(server.url('/busy.xml'));
    expect(Date.parse(s.nextPoll!) - clock).toBe(3 * HOUR);
    expect(s.lastErrorCode).toBe('http_503');
    // The host is held back too; clear it so the other tests on this server go on.
    await redis.hdel(keys.hostState(new URL(server.baseUrl).host), 'notBefore');
  });

  it("polls the feed a site's page links to, and remembers it", async () => {
    await queues.get('page').obliterate({ force: true });
    server.route('/site', behave.body('<html><head><link rel="alternate" type="application/rss+xml" href="/site/feed.xml"></head><body>home</body></html>', 'text/html'));
    server.route('/site/feed.xml', behave.body(rss([{ link: server.url('/site/a1') }]), 'application/rss+xml'));
    const url = server.url('/site');
    await poll(url);
    expect((await state(url)).discoveredUrl).toBe(server.url('/site/feed.xml'));
    expect(await pageJobIds()).toHaveLength(1);
    clock += 7 * HOUR;
    await poll(url);
    expect(server.hits('/site')).toBe(1);
    expect(server.hits('/site/feed.xml')).toBe(2);
    const [health] = await feedHealth(redis, keys, queues, { ...config, feeds: [{ url }] });
    expect(health!.discoveredUrl).toBe(server.url('/site/feed.xml'));

    // A page with no feed links is a failure with its reason, not a silent nothing.
    server.route('/nofeed', behave.body('<html><body>nothing here</body></html>', 'text/html'));
    await expect(poll(server.url('/nofeed'))).rejects.toMatchObject({ code: 'not_a_feed' });
  });

  it('never re-queues an item that comes back with new tracking parameters and a new GUID each time', async () => {
    await queues.get('page').obliterate({ force: true });
    let round = 0;
    server.route('/tracking.xml', (_req, res) => {
      round += 1;
      const items = [1, 2, 3].map((i) => ({ link: `${server.url(`/t/${i}`)}?utm_source=rss&utm_campaign=r${round}#ref${round}`, guid: `g${i}-r${round}` }));
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(items));
    });
    for (let i = 0; i < 4; i++) {
      await poll(server.url('/tracking.xml'));
      clock += 7 * HOUR;
    }
    expect(round).toBe(4);
    expect(await pageJobIds()).toHaveLength(3);
  });

  it('processes an item again when its content changed, only with fetch.reprocessChanged', async () => {
    await queues.get('page').obliterate({ force: true });
    let summary = 'first version';
    server.route('/changing.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ link: server.url('/c/1'), guid: 'c1', summary }, { link: server.url('/c/2'), guid: 'c2' }]));
    });
    const url = server.url('/changing.xml');
    const on = deps({ reprocessChanged: true });
    await poll(url, on);
    expect(await pageJobIds()).toHaveLength(2);

    clock += 7 * HOUR;
    await poll(url, on); // unchanged: nothing
    expect(await pageJobIds()).toHaveLength(2);

    summary = 'corrected version';
    clock += 7 * HOUR;
    await poll(url, deps({ reprocessChanged: false })); // option off: a changed item stays done
    expect(await pageJobIds()).toHaveLength(2);

    clock += 7 * HOUR;
    await poll(url, on);
    const ids = await pageJobIds();
    expect(ids).toHaveLength(3);
    const again = ids.find((id) => /^page-a[0-9a-f]+-[0-9a-f]{12}$/.test(id));
    expect(again).toBeDefined();
    expect((await state(url)).itemsReprocessed).toBe('1');
  });

  it('imports an OPML file into the run-time registry (scheduled), and exports config + added feeds', async () => {
    const cfg = parseConfig({ redis: { prefix }, feeds: [{ url: 'https://config.example/feed.xml', name: 'From config' }] }, 'test', {});
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>
  <outline text="News">
    <outline type="rss" text="Alpha &amp; Co" xmlUrl="https://alpha.example/rss"/>
    <outline type="rss" text="Beta" xmlUrl="https://beta.example/atom.xml" htmlUrl="https://beta.example/"/>
  </outline>
  <outline type="rss" text="dup of config" xmlUrl="https://config.example/feed.xml"/>
</body></opml>`;
    const first = await importOpml(redis, keys, queues, cfg, opml);
    expect(first).toEqual({ added: 2, updated: 0, skipped: ['https://config.example/feed.xml'] });
    expect(await importOpml(redis, keys, queues, cfg, opml)).toMatchObject({ added: 0, updated: 2 });
    expect((await registeredFeeds(redis, keys)).map((f) => f.name).sort()).toEqual(['Alpha & Co', 'Beta']);
    const schedulers = (await queues.get('feed').getJobSchedulers(0, -1)).map((s) => s.key);
    expect(schedulers).toContain(`feed-${feedId('https://alpha.example/rss')}`);

    const out = await exportOpml(redis, keys, cfg);
    expect(parseOpml(out)).toEqual([
      { title: 'From config', url: 'https://config.example/feed.xml' },
      { title: 'Alpha & Co', url: 'https://alpha.example/rss' },
      { title: 'Beta', url: 'https://beta.example/atom.xml' },
    ]);
  });
});
