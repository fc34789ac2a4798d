// Every `newsflow` command as a user runs it: the built CLI as a child process, against real
// Redis (and PostgreSQL for export), with a config under a random prefix. Checks output and
// exit codes (0 ok, 1 failure, 2 usage or config error).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { parseConfig } from '../../src/shared/config.js';
import { keysFor } from '../../src/shared/keys.js';
import { silentLogger } from '../../src/shared/logger.js';
import { packagePath } from '../../src/shared/paths.js';
import { startPipeline } from '../../src/app.js';
import { assignStory } from '../../src/workers/classify/story-cluster.js';
import { RedisStoryIndex } from '../../src/workers/classify/story-index.redis.js';
import { createPostgresSink } from '../../src/workers/store/postgres.sink.js';
import { storedArticle } from '../helpers/articles.js';
import { dropSchema, postgresAvailable, randomSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { writeConfig } from '../helpers/newsflow-process.js';
import { startFixtureServer } from '../../src/demo/fixture-server.js';
import { scaled } from '../helpers/time-scale.js';
import { newsflow } from '../helpers/cli.js';

const pgUp = await postgresAvailable();

describe('newsflow CLI (real Redis)', { timeout: 90_000 }, () => {
  const prefix = randomPrefix('cli');
  const dir = mkdtempSync(join(tmpdir(), 'nf-cli-'));
  let config = '';
  let redis: Redis;

  beforeAll(() => {
    redis = testRedis();
    config = writeConfig(dir, { redis: { prefix }, feeds: [{ url: 'https://config.example/rss', name: 'From Config' }], sinks: { jsonl: { path: join(dir, 'out.jsonl') } } });
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('prints help everywhere and uses exit codes scripts can rely on', async () => {
    const help = await newsflow(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['start', 'demo', 'extract', 'classify', 'cluster', 'train', 'train-boilerplate', 'feed', 'feeds', 'failed', 'status', 'stories', 'export']) {
      expect(help.stdout).toContain(cmd);
    }
    expect((await newsflow(['feeds', 'add', '--help'])).code).toBe(0);
    expect((await newsflow(['no-such-command'])).code).toBe(2);
    const badConfig = writeConfig(dir, { feeds: [{ url: 'not a url' }], dashboard: { port: -1 } });
    const bad = await newsflow(['status', '--config', badConfig]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('feeds[0].url');
    expect(bad.stderr).toContain('dashboard.port');
  });

  it('fails clearly when Redis is not there', async () => {
    const run = await newsflow(['status', '--config', config], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach Redis');
  });

  it('adds, lists and removes feeds at run time, and refuses to remove config feeds', async () => {
    const add = await newsflow(['feeds', 'add', 'https://added.example/feed.xml', '--no-discover', '--name', 'Added', '--interval', '30m', '--config', config]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('added https://added.example/feed.xml');
    const list = JSON.parse((await newsflow(['feeds', 'list', '--json', '--config', config])).stdout);
    const added = list.find((f: { url: string }) => f.url === 'https://added.example/feed.xml');
    expect(added).toMatchObject({ name: 'Added', source: 'added', interval: 1_800_000 });
    expect(list.find((f: { url: string }) => f.url === 'https://config.example/rss')).toMatchObject({ source: 'config' });
    const removeConfig = await newsflow(['feeds', 'remove', 'https://config.example/rss', '--config', config]);
    expect(removeConfig.code).toBe(1);
    expect(removeConfig.stderr).toContain('config file');
    expect((await newsflow(['feeds', 'remove', 'https://added.example/feed.xml', '--config', config])).stdout).toContain('removed');
    const after = JSON.parse((await newsflow(['feeds', 'list', '--json', '--config', config])).stdout);
    expect(after.map((f: { url: string }) => f.url)).not.toContain('https://added.example/feed.xml');
    expect((await newsflow(['feeds', 'add', 'ftp://x/y', '--config', config])).code).toBe(1);
  });

  it('lists, shows, retries and drops dead letters with their reasons', async () => {
    // A job that can never succeed: its payload is not what the catalog declares.
    const store = new Queue('store', { connection: redis, prefix });
    await store.add('article.store', { sink: 'jsonl', article: { id: 'broken' } }, { jobId: 'poison-1', attempts: 1 });
    const pipeline = await startPipeline({
      config: parseConfig({ redis: { prefix }, sinks: { jsonl: { path: join(dir, 'x.jsonl') } } }, 'test', {}),
      redisUrl: TEST_REDIS_URL,
      log: silentLogger,
      roles: ['store'],
    });
    const deadline = Date.now() + scaled(10_000);
    while ((await store.getJobCounts('failed')).failed !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await pipeline.stop();

    const list = JSON.parse((await newsflow(['failed', 'list', '--json', '--queue', 'store', '--config', config])).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ queue: 'store', id: 'poison-1' });
    expect(list[0].reason).toContain('invalid_payload');
    const show = JSON.parse((await newsflow(['failed', 'show', 'poison-1', '--config', config])).stdout);
    expect(show.data.article.id).toBe('broken');
    expect((await newsflow(['failed', 'retry', 'poison-1', '--config', config])).stdout).toContain('retrying store/poison-1');
    expect(await (await store.getJob('poison-1'))!.getState()).toBe('waiting');
    expect((await newsflow(['failed', 'show', 'nope', '--config', config])).code).toBe(1);
    expect((await newsflow(['failed', 'list', '--queue', 'nope', '--config', config])).stderr).toContain('unknown queue');
    await (await store.getJob('poison-1'))!.remove();
    await store.close();
  });

  it('reports status per stage and failing feeds', async () => {
    const keys = keysFor(prefix);
    await redis.sadd(keys.feedIndex(), 'fbroken');
    await redis.hset(keys.feedState('fbroken'), { url: 'https://config.example/rss', failures: 3, lastError: 'http_503: try later' });
    const run = await newsflow(['status', '--config', config]);
    expect(run.code).toBe(0);
    for (const q of ['feed', 'page', 'extract', 'classify', 'store']) expect(run.stdout).toContain(q);
    const json = JSON.parse((await newsflow(['status', '--json', '--config', config])).stdout);
    expect(json.stages.map((s: { queue: string }) => s.queue)).toEqual(['feed', 'page', 'extract', 'classify', 'store']);
  });

  it('lists and shows stories from the shared index', async () => {
    const index = new RedisStoryIndex(redis, keysFor(prefix).stories());
    const at = Date.parse('2024-03-05T10:00:00Z');
    await assignStory(index, { id: 's1', title: 'Volcano erupts on remote island, villages evacuated', published: at, source: 'Wire A', topics: ['world'] });
    await assignStory(index, { id: 's2', title: 'Villages evacuated as volcano erupts on remote island', published: at + 60_000, source: 'Paper B', topics: ['world'] });
    const list = JSON.parse((await newsflow(['stories', 'list', '--json', '--config', config])).stdout);
    expect(list).toHaveLength(1);
    expect(list[0].size).toBe(2);
    expect(list[0].outlets.sort()).toEqual(['Paper B', 'Wire A']);
    expect([list[0].firstSeen, list[0].lastSeen]).toEqual(['2024-03-05T10:00:00.000Z', '2024-03-05T10:01:00.000Z']);
    expect((await newsflow(['stories', 'list', '--config', config])).stdout).toContain('published 2024-03-05T10:00:00.000Z to 2024-03-05T10:01:00.000Z');
    const show = await newsflow(['stories', 'show', list[0].id, '--config', config]);
    expect(show.stdout).toContain('Wire A');
    expect(show.stdout).toContain('Paper B');
    expect((await newsflow(['stories', 'show', 'story-nope', '--config', config])).code).toBe(1);
  });

  it('extracts a page, classifies it, and parses a feed without queues', async () => {
    const page = packagePath('fixtures', 'demo', 'pages', 'sport', 'harbour-city-derby.html');
    const extracted = await newsflow(['extract', page, '--url', 'https://wire.example/sport/derby', '--json']);
    expect(extracted.code).toBe(0);
    const article = JSON.parse(extracted.stdout);
    expect(article.title).toBe('Harbour City edge Northbridge in late derby winner');
    expect(article.text).toContain('Malik Osei heading the winner');
    expect(article.text).not.toContain('Sign up for our daily sport newsletter');
    // Text stranded in a table is one of the few places the two DOMs' trees differ (dom-parity.test.ts).
    const stranded = join(dir, 'stranded.html');
    const body = '<p>The city council voted on Tuesday to expand the bus network, adding four routes to the hospital district by the end of next year.</p>';
    writeFileSync(stranded, `<html><body><article>${body}<table><tr><td>cell</td></tr>stray table text<p>Paragraph inside a table</table>${body}</article></body></html>`);
    const paragraphs = async (dom: string) => JSON.parse((await newsflow(['extract', stranded, '--json', '--dom', dom])).stdout).text.split('\n\n');
    expect((await paragraphs('linkedom')).slice(1, 3)).toEqual(['stray table text', 'Paragraph inside a table']);
    expect((await paragraphs('jsdom')).slice(1, 3)).toEqual(['Paragraph inside a table', 'cell']);
    const unknown = await newsflow(['extract', page, '--dom', 'happy-dom']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('happy-dom');
    const file = join(dir, 'article.json');
    writeFileSync(file, extracted.stdout);
    const classified = JSON.parse((await newsflow(['classify', file, '--json'])).stdout);
    expect(classified.topics[0].label).toBe('sports');
    expect(classified.lang).toBe('en');
    const viaStdin = JSON.parse((await newsflow(['classify', '-', '--json'], { input: extracted.stdout })).stdout);
    expect(viaStdin.topics[0].label).toBe('sports');

    const feed = await newsflow(['feed', 'parse', packagePath('fixtures', 'demo', 'feeds', 'the-week.atom'), '--url', 'https://week.example/feed', '--json']);
    const parsed = JSON.parse(feed.stdout);
    expect(parsed.title).toBe('The Week');
    expect(parsed.items).toHaveLength(3);
    expect(parsed.items[0]).toMatchObject({ title: 'Russia to receive additional weapons from Iran, report says', published: '2022-10-18T16:30:00.000Z' });
    expect((await newsflow(['feed', 'parse', page, '--json'])).code).toBe(1);
  });

  it('explains what extraction dropped, runs without the classifier, and trains one from labelled pages', async () => {
    const page = packagePath('test', 'fixtures', 'boilerplate', 'train', 'patchnote-transit-app-outage.html');
    const explained = await newsflow(['extract', page, '--url', 'https://patchnote.example/transit/outage', '--explain']);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/^dropped \(\d+\):$/m);
    expect(explained.stdout).toMatch(/^ {2}wording:\S+/m);
    expect(explained.stdout).toMatch(/^ {2}model 0\.\d\d +\S/m);
    const json = JSON.parse((await newsflow(['extract', page, '--url', 'https://patchnote.example/transit/outage', '--explain', '--json'])).stdout);
    expect(json.explain.blocks.length).toBeGreaterThan(0);
    expect(json.explain.keptScores).toHaveLength(json.paragraphs.length);
    const off = JSON.parse((await newsflow(['extract', page, '--explain', '--json', '--model', 'off'])).stdout);
    expect(off.explain.blocks.some((b: { reason: string }) => b.reason === 'model')).toBe(false);
    expect(off.paragraphs.length).toBeGreaterThan(json.paragraphs.length);
    expect((await newsflow(['extract', page, '--model', join(dir, 'no-such-model.json')])).stderr).toContain('cannot read the boilerplate model');

    // Your own pages: two labelled pages in a folder, a model out, and extract reads it.
    const mine = join(dir, 'my-pages');
    mkdirSync(mine);
    for (const name of ['harbour-ledger-floating-solar', 'patchnote-transit-app-outage']) {
      for (const ext of ['.html', '.gold.json']) copyFileSync(packagePath('test', 'fixtures', 'boilerplate', 'train', name + ext), join(mine, name + ext));
    }
    const out = join(dir, 'my-model.json');
    const trained = await newsflow(['train-boilerplate', '--pages', mine, '--out', out]);
    expect(trained.code).toBe(0);
    expect(trained.stderr).toContain('trained on 2 pages');
    expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('newsflow-boilerplate');
    expect((await newsflow(['extract', page, '--model', out, '--json'])).code).toBe(0);
    expect((await newsflow(['train-boilerplate', '--pages', join(dir, 'nothing-here'), '--out', out])).code).toBe(1);
  });

  it('refuses to fetch private addresses unless allowed', async () => {
    const run = await newsflow(['extract', 'http://127.0.0.1:9/x', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('network.allow');
  });

  it('classifies and clusters JSONL in batch, and trains a model', async () => {
    const input = [
      { id: '1', title: 'Striker scores twice as champions win derby', text: 'The striker scored twice in the second half as the champions won the derby at home.' },
      { id: '2', title: 'Central bank raises interest rates', text: 'The central bank raised interest rates by half a point to fight inflation, markets fell.' },
    ].map((r) => JSON.stringify(r)).join('\n');
    const classified = await newsflow(['classify', '--jsonl'], { input });
    const rows = classified.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.topics[0].label)).toEqual(['sports', 'business']);
    expect(classified.stderr).toContain('classified 2 of 2');
    const withBadLine = await newsflow(['classify', '--jsonl'], { input: `${input}\nnot json` });
    expect(withBadLine.code).toBe(1);
    expect(withBadLine.stderr).toContain('line 3');

    const stories = [
      { id: 'a', title: 'Earthquake strikes off coast of Chile', published: '2024-01-01T10:00:00Z', source: 'A' },
      { id: 'b', title: 'Strong earthquake strikes off Chile coast', published: '2024-01-01T10:20:00Z', source: 'B' },
      { id: 'c', title: 'Tech giant unveils new phone', published: '2024-01-01T11:00:00Z', source: 'A' },
    ].map((r) => JSON.stringify(r)).join('\n');
    const clustered = (await newsflow(['cluster', '--jsonl'], { input: stories })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(clustered[0].story).toBe(clustered[1].story);
    expect(clustered[2].story).not.toBe(clustered[0].story);
    // 20 minutes apart: a 10-minute span cap keeps the two reports apart (as a 10-minute window does).
    for (const flag of ['--max-span', '--window']) {
      const capped = (await newsflow(['cluster', '--jsonl', flag, '10m'], { input: stories })).stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(capped[1].story, flag).not.toBe(capped[0].story);
    }

    const data = join(dir, 'labels.jsonl');
    const labelled = [];
    for (let i = 0; i < 30; i++) {
      labelled.push({ text: `the recipe uses flour butter sugar and eggs baked for ${i} minutes`, label: 'cooking' });
      labelled.push({ text: `the team hiked the mountain trail and camped near the lake for ${i} nights`, label: 'outdoors' });
    }
    writeFileSync(data, labelled.map((r) => JSON.stringify(r)).join('\n'));
    const model = join(dir, 'model.json');
    const train = await newsflow(['train', '--data', data, '--out', model]);
    expect(train.code).toBe(0);
    expect(JSON.parse(readFileSync(model, 'utf8')).labels.sort()).toEqual(['cooking', 'outdoors']);
    const custom = writeConfig(dir, { redis: { prefix }, classify: { model } });
    const tagged = JSON.parse(
      (await newsflow(['classify', '-', '--json', '--config', custom], { input: JSON.stringify({ title: 'Weekend bake', text: 'Mix the flour, butter and sugar, add eggs and bake.' }) })).stdout,
    );
    expect(tagged.topics[0].label).toBe('cooking');
  });

  it('backfills a feed with progress until stored, and reprocesses on request', async () => {
    const fixtures = await startFixtureServer({
      '/feeds/': packagePath('fixtures', 'demo', 'feeds'),
      '/news/': packagePath('fixtures', 'demo', 'pages'),
      '/pages/': packagePath('fixtures', 'pages'),
    });
    const bfPrefix = randomPrefix('backfill');
    const settings = {
      redis: { prefix: bfPrefix },
      network: { allow: ['127.0.0.1'] },
      fetch: { perHost: { concurrency: 8, minInterval: 0 } },
      sinks: { jsonl: { path: join(dir, 'backfill.jsonl') } },
    };
    const bfConfig = writeConfig(dir, settings);
    const pipeline = await startPipeline({
      config: parseConfig(settings, 'test', {}),
      redisUrl: TEST_REDIS_URL,
      log: silentLogger,
      roles: ['fetch', 'extract', 'classify', 'store'],
      schedules: false,
    });
    try {
      const feedUrl = `${fixtures.baseUrl}/feeds/the-week.atom`;
      const first = await newsflow(['backfill', feedUrl, '--config', bfConfig]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('queued 3, stored 3, failed 0, pending 0');
      expect(first.stderr).toContain('3/3 done: 3 stored, 0 failed');
      const again = await newsflow(['backfill', feedUrl, '--config', bfConfig]);
      expect(again.stdout).toContain('queued 0, stored 0');
      const reprocess = await newsflow(['backfill', feedUrl, '--reprocess', '--config', bfConfig]);
      expect(reprocess.code).toBe(0);
      expect(reprocess.stdout).toContain('queued 3, stored 3');
      const noWait = await newsflow(['backfill', `${fixtures.baseUrl}/feeds/science-desk.json`, '--no-wait', '--config', bfConfig]);
      expect(noWait.stdout).toContain('queued 1, stored 0, failed 0, pending 1');
    } finally {
      await pipeline.stop();
      await fixtures.close();
      await cleanupPrefix(redis, bfPrefix);
    }
  });

  it.skipIf(!pgUp)('exports stored articles from PostgreSQL as JSONL and CSV', async () => {
    const schema = randomSchema('export');
    const sink = createPostgresSink({ url: TEST_DATABASE_URL, schema });
    try {
      for (const [id, day] of [['e1', '2024-05-01'], ['e2', '2024-05-02'], ['e3', '2024-05-03']] as const) {
        const at = `${day}T10:00:00.000Z`;
        await sink.write(storedArticle(id, { title: `Title, "quoted" ${id}`, times: { discovered: at, fetched: at, extracted: at, classified: at } }), { replay: false });
      }
      const pgConfig = writeConfig(dir, { redis: { prefix }, sinks: { postgres: { url: TEST_DATABASE_URL, schema } } });
      const jsonl = await newsflow(['export', '--since', '2024-05-02', '--config', pgConfig]);
      expect(jsonl.code).toBe(0);
      expect(jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['e2', 'e3']);
      expect(jsonl.stderr).toContain('exported 2 articles');
      const csv = await newsflow(['export', '--format', 'csv', '--config', pgConfig]);
      const lines = csv.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^id,url,/);
      expect(lines).toHaveLength(1 + 3 * 3); // each text holds a blank line, quoted: three physical lines
      expect(csv.stdout).toContain('"Title, ""quoted"" e1"');
      expect((await newsflow(['export', '--format', 'xml', '--config', pgConfig])).code).toBe(1);
    } finally {
      await sink.close();
      await dropSchema(schema);
    }
  });
});
