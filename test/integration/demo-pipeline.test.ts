// The walking skeleton end to end: the bundled demo feeds through real Redis queues, every stage,
// into JSONL. Asserts what a user of the demo would check.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDemoPipeline, type DemoResult } from '../../src/demo/demo.js';
import { SHARED_DATA } from '../../src/shared/paths.js';
import type { StoredArticle } from '../../src/shared/types.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { scaled } from '../helpers/time-scale.js';

const SEEDS = join(SHARED_DATA, '..', 'seeds');

const PROMOS = [
  'Subscribe to The Week',
  'Escape your echo chamber',
  'SUBSCRIBE & SAVE',
  'cdn.mos.cms.futurecdn.net',
  "Sign up for The Week's Free Newsletters",
  'From our morning news briefing',
  'Image credit',
  'Metin Aktas',
  'Justin Klawans has worked',
  'Justin Klawans, The Week US',
  'Source link',
];

/** The seed's article paragraphs: its lines minus the boilerplate the demo must strip. */
function seedParagraphs(file: string): string[] {
  return readFileSync(join(SEEDS, file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .filter((l) => !PROMOS.some((p) => l.includes(p)))
    .filter((l) => l !== 'Sign up' && !l.startsWith('A rocket is fired') && !/^https?:\/\//.test(l))
    .slice(1); // the first line is the headline
}

describe('demo pipeline (real Redis)', () => {
  let result: DemoResult;
  let byTitle: Map<string, StoredArticle>;
  const out = mkdtempSync(join(tmpdir(), 'nf-demo-'));

  beforeAll(async () => {
    const printed: string[] = [];
    result = await runDemoPipeline({ outDir: out, timeoutMs: 90_000, redisUrl: TEST_REDIS_URL, print: (l) => printed.push(l) });
    byTitle = new Map(result.articles.map((a) => [a.title ?? '', a]));
    if (!result.ok) console.error(printed.join('\n'));
  }, scaled(120_000));

  it('stores every demo item exactly once, with nothing failed', () => {
    expect(result.failed).toEqual([]);
    expect(result.ok).toBe(true);
    // 7 feed entries, one of them the same page behind two tracking-parameter links.
    expect(result.articles).toHaveLength(6);
    expect(new Set(result.articles.map((a) => a.id)).size).toBe(6);
    const file = readFileSync(join(out, 'articles.jsonl'), 'utf8').trim().split('\n');
    expect(file).toHaveLength(6);
  });

  it('writes the documented record fields', () => {
    for (const a of result.articles) {
      expect(a.id).toMatch(/^a[0-9a-f]{20}$/);
      expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(a.feed.url).toMatch(/\/feeds\//);
      expect(a.title).toBeTruthy();
      expect(a.text.split('\n\n').length).toBeGreaterThanOrEqual(3);
      expect(a.lang).toBe('en');
      expect(a.topics.length).toBeGreaterThan(0);
      expect(a.story).toBeTruthy();
      for (const t of ['discovered', 'fetched', 'extracted', 'classified'] as const) {
        expect(Date.parse(a.times[t])).not.toBeNaN();
      }
    }
  });

  it('strips every promo from the two seed stories and keeps every article paragraph', () => {
    const wire = byTitle.get('Iran to deliver missiles and more drones to Russia – sources');
    const week = byTitle.get('Russia to receive additional weapons from Iran, report says');
    expect(wire, 'wire seed stored').toBeDefined();
    expect(week, 'week seed stored').toBeDefined();
    for (const a of [wire!, week!]) {
      for (const promo of PROMOS) expect(a.text).not.toContain(promo);
      expect(a.text.split('\n\n')).not.toContain('Sign up');
    }
    if (!existsSync(SEEDS)) {
      console.warn(`skipping paragraph-by-paragraph seed check: ${SEEDS} is absent`);
      return;
    }
    for (const para of seedParagraphs('000_ba44e6180c3e92da.txt')) expect(wire!.text).toContain(para);
    for (const para of seedParagraphs('002_c870df1ff8eb7b94.txt')) expect(week!.text).toContain(para);
  });

  it('groups the two seed stories into one story with a world topic, and nothing else with them', () => {
    const wire = byTitle.get('Iran to deliver missiles and more drones to Russia – sources')!;
    const week = byTitle.get('Russia to receive additional weapons from Iran, report says')!;
    expect(wire.story).toBe(week.story);
    for (const a of [wire, week]) expect(a.topics.map((t) => t.label)).toContain('world');
    const others = result.articles.filter((a) => a !== wire && a !== week);
    for (const a of others) expect(a.story).not.toBe(wire.story);
    expect(new Set(others.map((a) => a.story)).size).toBe(others.length);
  });

  it('tags the other stories with their topics', () => {
    const topicOf = (title: string) => byTitle.get(title)?.topics[0]?.label;
    expect(topicOf('Harbour City edge Northbridge in late derby winner')).toBe('sports');
    expect(topicOf('Chipmaker unveils low-power AI processor for laptops')).toBe('technology');
    expect(topicOf('Central bank raises rates again as inflation proves stubborn')).toBe('business');
  });
});
