// Two clusterers (two Redis connections, as two classify workers would have) assign the same
// articles concurrently; the lock must leave exactly one story per event.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignStory, type StoryArticle } from '../../src/workers/classify/story-cluster.js';
import { RedisStoryIndex } from '../../src/workers/classify/story-index.redis.js';
import { getStory, listStories } from '../../src/workers/classify/story-list.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';

const at = (hh: string) => `2024-05-14T${hh}:00Z`;
// Three events, each reported by three outlets, written for this test. The workers' interleaving
// decides the order of assignment, so the titles are alike enough to be one story in any order
// (checked over 20,000 random orders with the in-memory index; an earlier quake title shared only
// "Italy" and "earthquake" and split its story in about 3% of orders).
const EVENTS: { key: string; titles: string[] }[] = [
  { key: 'quake', titles: ['Earthquake strikes central Italy, killing at least 12 in Abruzzo', 'Central Italy earthquake kills 12 in Abruzzo villages', 'Rescuers search rubble after deadly Abruzzo earthquake in central Italy'] },
  { key: 'merger', titles: ['Airbus and Boeing suppliers agree surprise merger', 'Aerospace suppliers to merge in surprise deal for Airbus and Boeing parts', 'Surprise aerospace supplier merger shakes Airbus, Boeing supply chain'] },
  { key: 'final', titles: ['Real Madrid beat Dortmund to win Champions League final', 'Champions League final: Real Madrid defeat Dortmund at Wembley', 'Dortmund lose Champions League final to Real Madrid'] },
];
const OUTLETS = ['Reuters', 'AP', 'BBC'];
const articles: (StoryArticle & { event: string })[] = EVENTS.flatMap((e, i) =>
  e.titles.map((title, j) => ({ id: `${e.key}-${j}`, event: e.key, title, text: '', source: OUTLETS[j]!, published: at(`1${i}:${j}0`) })),
);

describe('RedisStoryIndex', () => {
  let a: Redis;
  let b: Redis;
  const prefix = randomPrefix('stories');

  beforeAll(() => {
    a = testRedis();
    b = testRedis();
  });
  afterAll(async () => {
    await cleanupPrefix(a, prefix);
    a.disconnect();
    b.disconnect();
  });

  it('gives one story per event when two workers race over the same articles', async () => {
    const ia = new RedisStoryIndex(a, prefix);
    const ib = new RedisStoryIndex(b, prefix);
    // Each worker sees every article (duplicate delivery), in a different order, at the same time.
    const run = (index: RedisStoryIndex, list: StoryArticle[]) =>
      Promise.all(list.map((x) => assignStory(index, x).then((r) => [x.id, r.story] as const)));
    const [ra, rb] = await Promise.all([run(ia, articles), run(ib, [...articles].reverse())]);
    const story = new Map(ra);
    for (const [id, s] of rb) expect(s, `both workers agree on ${id}`).toBe(story.get(id));

    const byEvent = new Map<string, Set<string>>();
    for (const x of articles) {
      if (!byEvent.has(x.event)) byEvent.set(x.event, new Set());
      byEvent.get(x.event)!.add(story.get(x.id)!);
    }
    for (const [event, stories] of byEvent) expect(stories.size, `stories for ${event}`).toBe(1);
    const all = new Set(story.values());
    expect(all.size).toBe(EVENTS.length);

    const listed = await listStories(a, prefix, 10);
    expect(listed.map((s) => s.id).sort()).toEqual([...all].sort());
    for (const s of listed) expect(s.size).toBe(3);
    const one = await getStory(a, prefix, story.get('quake-0')!);
    expect(one?.members.map((m) => m.id).sort()).toEqual(['quake-0', 'quake-1', 'quake-2']);
    expect(one?.outlets.sort()).toEqual(['AP', 'BBC', 'Reuters']);
    expect(await a.get(`${prefix}:lock`)).toBeNull();
  });

  it('forgets a story once no article has joined it for storyTtl, on the articles\' clock', async () => {
    const p = `${prefix}:ttl`;
    const index = new RedisStoryIndex(a, p, { windowMs: 60_000, storyTtlMs: 120_000 });
    // An archive replayed from the past: its own clock decides.
    const t0 = Date.now() - 600_000;
    const first = await assignStory(index, { id: 'old', title: 'Harbour strike halts container traffic in Rotterdam', text: '', source: 'AP', published: t0 }, { windowMs: 60_000 });
    expect((await listStories(a, p, 10)).map((s) => s.id)).toEqual([first.story]);
    // Two minutes later (by published time) an unrelated article arrives: the first story leaves
    // the listing, and its metadata carries a TTL no longer than storyTtl.
    const ttl = await a.pttl(`${p}:s:${first.story}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const later = await assignStory(index, { id: 'new', title: 'Glacier melt speeds up in the Alps, survey finds', text: '', source: 'BBC', published: t0 + 121_000 }, { windowMs: 60_000 });
    expect((await listStories(a, p, 10)).map((s) => s.id)).toEqual([later.story]);
    // The article record of an article claiming a far-future date still expires within two windows.
    await assignStory(index, { id: 'future', title: 'Placeholder date on a page from the year 2099', text: '', source: 'AP', published: Date.parse('2099-01-01T00:00:00Z') }, { windowMs: 60_000 });
    const recordTtl = await a.pttl(`${p}:a:future`);
    expect(recordTtl).toBeGreaterThan(0);
    expect(recordTtl).toBeLessThanOrEqual(120_000);
  });

  it('keeps details for the newest maxMembers only, however long a story runs', async () => {
    const p = `${prefix}:cap`;
    const index = new RedisStoryIndex(a, p, { maxMembers: 3 });
    const t0 = Date.now() - 3_600_000;
    const stories = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await assignStory(index, { id: `run-${i}`, title: 'Volcano on Iceland erupts again near Grindavik, lava reaches road', text: '', source: OUTLETS[i % 3]!, published: t0 + i * 60_000 });
      stories.add(r.story);
    }
    expect(stories.size).toBe(1);
    const [story] = [...stories];
    expect((await a.zrange(`${p}:s:${story}:m`, '0', '-1')).sort()).toEqual(['run-3', 'run-4', 'run-5']);
    expect((await a.hkeys(`${p}:s:${story}:d`)).sort()).toEqual(['run-3', 'run-4', 'run-5']);
    expect(await a.hget(`${p}:s:${story}`, 'size')).toBe('6');
  });

  it('keeps each story\'s span, so a story never spans more than maxSpanMs, whatever the arrival order', async () => {
    const p = `${prefix}:span`;
    const index = new RedisStoryIndex(a, p);
    const H = 3_600_000;
    const t0 = Date.now() - 60 * H;
    const lava = (i: number, hours: number) =>
      assignStory(index, { id: `lava-${i}`, title: 'Volcano on Iceland erupts again near Grindavik, lava reaches road', text: '', source: OUTLETS[i % 3]!, published: t0 + hours * H }, { maxSpanMs: 12 * H, halfLifeMs: 0 });
    // In order: 0, 6 and 12 h are one story; 18 h would stretch it to 18 h and starts the next.
    const got: string[] = [];
    for (const [i, h] of [0, 6, 12, 18, 24].entries()) got.push((await lava(i, h)).story);
    expect(got.map((s) => got.indexOf(s))).toEqual([0, 0, 0, 3, 3]);
    expect(await a.hmget(`${p}:s:${got[3]}`, 'firstSeen', 'lastSeen')).toEqual([String(t0 + 18 * H), String(t0 + 24 * H)]);
    // Late and out of order: 40 h, then 30 h (joins: span 10 h), then 45 h would make 15 h.
    const late = [(await lava(5, 40)).story, (await lava(6, 30)).story, (await lava(7, 45)).story];
    expect(late[1]).toBe(late[0]);
    expect(late[2]).not.toBe(late[0]);
    expect(await a.hmget(`${p}:s:${late[0]}`, 'firstSeen', 'lastSeen')).toEqual([String(t0 + 30 * H), String(t0 + 40 * H)]);
  });

  it('does not let an article dated ahead of the clock trim away the present', async () => {
    const p = `${prefix}:ahead`;
    const index = new RedisStoryIndex(a, p, { windowMs: 60_000, storyTtlMs: 120_000 });
    const now = Date.now();
    const today = await assignStory(index, { id: 'today', title: 'Harbour strike halts container traffic in Rotterdam', text: '', source: 'AP', published: now }, { windowMs: 60_000 });
    await assignStory(index, { id: 'tomorrow', title: 'Glacier melt speeds up in the Alps, survey finds', text: '', source: 'BBC', published: now + 86_400_000 }, { windowMs: 60_000 });
    expect(await a.zscore(`${p}:arts`, 'today')).not.toBeNull();
    expect((await listStories(a, p, 10)).map((s) => s.id)).toContain(today.story);
    // And the article of today still finds its story.
    const again = await assignStory(index, { id: 'today-2', title: 'Rotterdam harbour strike halts container traffic', text: '', source: 'BBC', published: now + 1_000 }, { windowMs: 60_000 });
    expect(again.story).toBe(today.story);
  });

  it('returns null for an unknown story', async () => {
    expect(await getStory(a, prefix, 'story-0000000000000000')).toBeNull();
  });
});
