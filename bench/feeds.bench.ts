// Feed throughput and dedup memory: `npm run bench:feeds`.
//
// 1. Feeds parsed per second from a local server (200 generated RSS feeds of 50 items on
//    127.0.0.1): newsflow's fetch (guarded httpGet) + parseFeed, against rss-parser's own
//    parseURL in the same run as the baseline, and both parsers alone on the same strings.
// 2. Redis memory per remembered item: the feed worker polls every feed once into a scratch
//    prefix of a real Redis, then MEMORY USAGE of the seen ZSETs (and the content-hash side hash
//    with fetch.reprocessChanged) divided by the items remembered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Parser from 'rss-parser';
import { parseConfig } from '../src/shared/config.js';
import { feedId, keysFor } from '../src/shared/keys.js';
import { silentLogger } from '../src/shared/logger.js';
import { httpGet } from '../src/shared/http.js';
import { createNetGuard } from '../src/shared/net-guard.js';
import { createQueues, enqueue } from '../src/queues/factory.js';
import { parseFeed } from '../src/workers/fetch/feed-parse.js';
import { feedPollHandler } from '../src/workers/fetch/feed.worker.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../test/helpers/redis.js';

const FEEDS = Number(process.env.BENCH_FEEDS ?? 200);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 50);
const ROUNDS = 3;

function feedXml(f: number): string {
  const items = Array.from({ length: ITEMS }, (_, i) => {
    const date = new Date(Date.UTC(2024, 2, 5, 12) - (f * ITEMS + i) * 600_000).toUTCString();
    return `<item><title>Story ${f}-${i}: something happened &amp; more</title><link>https://news${f}.example/2024/03/story-${i}?utm_source=rss</link>
<guid isPermaLink="false">urn:news${f}:${i}</guid><pubDate>${date}</pubDate><dc:creator>Reporter ${i % 7}</dc:creator>
<description><![CDATA[<p>Summary of story ${i} in feed ${f}, with a <a href="https://x.example/">link</a> and some words to parse.</p>]]></description>
<content:encoded><![CDATA[<p>${'Body text of the story. '.repeat(20)}</p>]]></content:encoded></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Feed ${f}</title><link>https://news${f}.example/</link><description>d</description>${items.join('\n')}</channel></rss>`;
}

async function timed(label: string, n: number, fn: (i: number) => Promise<unknown>, concurrency = 8): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }));
    best = Math.min(best, performance.now() - t0);
  }
  const perSec = (n / best) * 1000;
  console.log(`${label.padEnd(48)} ${perSec.toFixed(0).padStart(7)} feeds/s  (${n} feeds in ${best.toFixed(0)} ms, best of ${ROUNDS})`);
  return perSec;
}

async function main(): Promise<void> {
  const bodies = Array.from({ length: FEEDS }, (_, f) => feedXml(f));
  const server = http.createServer((req, res) => {
    const f = Number(/^\/feed\/(\d+)/.exec(req.url ?? '')?.[1]);
    const body = bodies[f];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = (f: number) => `${base}/feed/${f}`;
  const guard = createNetGuard(['127.0.0.1']);
  const rssParser = new Parser();
  const kb = (bodies.reduce((a, b) => a + b.length, 0) / FEEDS / 1024).toFixed(0);
  console.log(`${FEEDS} feeds × ${ITEMS} items (~${kb} KiB each), served on 127.0.0.1; node ${process.version}\n`);

  console.log('fetch + parse (8 in flight)');
  const ours = await timed('  newsflow: httpGet + parseFeed', FEEDS, async (f) => {
    const res = await httpGet(url(f), { guard });
    parseFeed(res.text!, { url: res.url });
  });
  const theirs = await timed('  baseline: rss-parser parseURL', FEEDS, (f) => rssParser.parseURL(url(f)));
  console.log(`  newsflow / baseline: ${(ours / theirs).toFixed(2)}×\n`);

  console.log('parse only (same strings, one at a time)');
  const p1 = await timed('  newsflow: parseFeed', FEEDS, async (f) => parseFeed(bodies[f]!, { url: url(f) }), 1);
  const p2 = await timed('  baseline: rss-parser parseString', FEEDS, (f) => rssParser.parseString(bodies[f]!), 1);
  console.log(`  newsflow / baseline: ${(p1 / p2).toFixed(2)}×\n`);

  // Redis memory per remembered item, with the real feed worker.
  const redis = testRedis();
  const prefix = randomPrefix('bench');
  const keys = keysFor(prefix);
  const queues = createQueues(redis, prefix);
  try {
    for (const reprocessChanged of [false, true]) {
      await cleanupPrefix(redis, prefix);
      const config = parseConfig(
        { redis: { prefix }, network: { allow: ['127.0.0.1'] }, fetch: { perHost: { concurrency: 8, minInterval: 0 }, reprocessChanged } },
        'bench',
        {},
      );
      const poll = feedPollHandler({ config, redis, queues, keys, log: silentLogger });
      const ctx = { log: silentLogger, job: {} as never, attempt: 1, enqueue: (jobs: Parameters<typeof enqueue>[1]) => enqueue(queues, jobs) };
      for (let f = 0; f < FEEDS; f++) await poll({ feedUrl: url(f), name: null }, ctx);
      let seenBytes = 0;
      let hashBytes = 0;
      let items = 0;
      for (let f = 0; f < FEEDS; f++) {
        const fid = feedId(url(f));
        seenBytes += Number(await redis.call('MEMORY', 'USAGE', keys.seen(fid), 'SAMPLES', '0')) || 0;
        hashBytes += Number(await redis.call('MEMORY', 'USAGE', keys.itemHashes(fid), 'SAMPLES', '0')) || 0;
        items += (await redis.zcard(keys.seen(fid))) / 2; // GUID + canonical URL per item
      }
      const label = reprocessChanged ? 'with fetch.reprocessChanged' : 'default';
      console.log(
        `Redis per remembered item (${label}): seen ZSET ${(seenBytes / items).toFixed(0)} B` +
          (reprocessChanged ? ` + content hashes ${(hashBytes / items).toFixed(0)} B` : '') +
          ` (${items} items, ${(seenBytes + hashBytes) / 1024 | 0} KiB)`,
      );
    }
    // 50 items per feed fit Redis's compact listpack encoding; a feed remembered up to
    // fetch.rememberPerFeed (5000 items, 10000 members) is a skiplist and costs more per item.
    const big = keys.seen('fbench-full');
    const members = Array.from({ length: 5000 }, (_, i) => [
      [Date.now() + i, `u:https://news0.example/2024/03/story-${i}`],
      [Date.now() + i, `g:urn:news0:${i}`],
    ]).flat(2);
    await redis.zadd(big, ...(members as (string | number)[]));
    const fullBytes = Number(await redis.call('MEMORY', 'USAGE', big, 'SAMPLES', '0'));
    console.log(`Redis per remembered item in a full feed (5000 items, skiplist): ${(fullBytes / 5000).toFixed(0)} B, ${(fullBytes / 1024 / 1024).toFixed(2)} MiB per feed`);
  } finally {
    await queues.close();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
    server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
