import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyJsonl, clusterJsonl } from '../../../src/workers/classify/batch.js';
import { classifyArticle } from '../../../src/workers/classify/classify.js';
import { assignStory, storyIdFor, storyTerms, type StoryArticle } from '../../../src/workers/classify/story-cluster.js';
import { clusterTime } from '../../../src/shared/story-time.js';
import { MemoryStoryIndex } from '../../../src/workers/classify/story-index.memory.js';
import { loadSeeds, seedsMissing } from './seeds.js';

const seeds = loadSeeds();
const DAY = '2024-05-14';
const at = (hh: string) => `${DAY}T${hh}:00Z`;

// Short excerpts written for these tests: two events on one day, one of them from two outlets.
const articles: StoryArticle[] = [
  { id: 'r1', source: 'Reuters', published: at('08:00'), title: 'Earthquake of magnitude 6.1 strikes central Italy, killing at least 12', text: 'A strong earthquake struck the Abruzzo region of central Italy early on Tuesday, collapsing buildings in several mountain villages.' },
  { id: 'r2', source: 'Reuters', published: at('09:30'), title: "Italy's parliament approves 2025 budget after marathon debate", text: 'Lawmakers in Rome passed the government budget late on Tuesday, clearing the way for tax cuts promised by the ruling coalition.' },
  { id: 'a1', source: 'AP', published: at('10:15'), title: 'Central Italy earthquake kills 12 as rescuers search rubble in Abruzzo villages', text: 'Rescuers dug through collapsed buildings in Abruzzo after a magnitude 6.1 earthquake struck central Italy.' },
];

async function cluster(list: StoryArticle[], index = new MemoryStoryIndex()) {
  const out = new Map<string, string>();
  for (const a of list) out.set(a.id, (await assignStory(index, a)).story);
  return out;
}

describe('story clustering', () => {
  it('groups one event across outlets and keeps another same-day event from the same outlet apart', async () => {
    const s = await cluster(articles);
    expect(s.get('a1')).toBe(s.get('r1'));
    expect(s.get('r2')).not.toBe(s.get('r1'));
  });

  it('names a story after its first article, stably', async () => {
    const s = await cluster(articles);
    expect(s.get('r1')).toBe(storyIdFor('r1'));
    expect(storyIdFor('r1')).toMatch(/^story-[0-9a-f]{16}$/);
    expect(await cluster(articles)).toEqual(s);
  });

  it('is idempotent: an article assigned twice keeps its story', async () => {
    const index = new MemoryStoryIndex();
    const first = await cluster(articles, index);
    const again = await assignStory(index, articles[2]!);
    expect(again.story).toBe(first.get('a1'));
    expect(index.size).toBe(3);
  });

  it('starts a new story once the earlier article has left the window', async () => {
    const later = { ...articles[2]!, id: 'a2', published: '2024-05-20T10:15:00Z' };
    const s = await cluster([articles[0]!, later]);
    expect(s.get('a2')).not.toBe(s.get('r1'));
  });

  it('ends a story before it spans more than maxSpanMs; a running saga goes on as a new story', async () => {
    // A strike reported every 6 hours for six days: each report matches the last few, so
    // single-link joining would chain all 25 into one story.
    const H = 3_600_000;
    const t0 = Date.parse('2024-05-14T00:00:00Z');
    const saga: StoryArticle[] = Array.from({ length: 25 }, (_, i) => ({
      id: `strike-${i}`,
      source: i % 2 ? 'AP' : 'Reuters',
      published: t0 + i * 6 * H,
      title: `Rotterdam dockworkers strike enters day ${Math.floor(i / 4) + 1}, port traffic halted`,
      text: 'Dockworkers at the port of Rotterdam continued their strike over pay, halting container traffic.',
    }));
    const assign = async (opts: { maxSpanMs?: number }) => {
      const index = new MemoryStoryIndex();
      const out: string[] = [];
      for (const a of saga) out.push((await assignStory(index, a, opts)).story);
      return out;
    };
    expect(new Set(await assign({ maxSpanMs: Infinity })).size, 'without a cap the saga chains into one story').toBe(1);

    const capped = await assign({});
    // 72 h at one report every 6 h: reports 0-12 are one story, 13-24 the next.
    expect(capped.slice(0, 13)).toEqual(Array(13).fill(storyIdFor('strike-0')));
    expect(capped.slice(13)).toEqual(Array(12).fill(storyIdFor('strike-13')));
    expect(new Set(await assign({ maxSpanMs: 24 * H })).size).toBe(5);
  });

  it('bounds the span against articles that arrive late, dated before the story began', async () => {
    const H = 3_600_000;
    const t0 = Date.parse('2024-05-14T00:00:00Z');
    const report = (id: string, hours: number): StoryArticle => ({
      id,
      source: 'AP',
      published: t0 + hours * H,
      title: 'Rotterdam dockworkers strike halts port traffic',
      text: 'Dockworkers at the port of Rotterdam are on strike over pay.',
    });
    const opts = { maxSpanMs: 12 * H, halfLifeMs: 0 };
    const index = new MemoryStoryIndex();
    const first = await assignStory(index, report('at-20h', 20), opts);
    // Dated 10 h earlier: the story now spans 10 h.
    expect((await assignStory(index, report('at-10h', 10), opts)).story).toBe(first.story);
    // Dated 5 h before that one and 25 h after it: each would stretch the story past 12 h.
    expect((await assignStory(index, report('at-5h', 5), opts)).story).not.toBe(first.story);
    expect((await assignStory(index, report('at-25h', 25), opts)).story).not.toBe(first.story);
    // Without the cap all four are one story.
    const open = new MemoryStoryIndex();
    const all = new Set<string>();
    for (const [id, h] of [['a', 20], ['b', 10], ['c', 5], ['d', 25]] as const) all.add((await assignStory(open, report(id, h), { ...opts, maxSpanMs: Infinity })).story);
    expect(all.size).toBe(1);
  });

  it('ignores wire-service slugs in titles', () => {
    expect(Object.keys(storyTerms('UPDATE 2-FOREX-Dollar slips'))).toEqual(['dollar', 'slip']);
  });

  it.skipIf(!seeds)('puts the two seed articles (two outlets, one event) in one story, tagged world', async () => {
    if (!seeds) return console.warn(seedsMissing());
    // As the classify worker does: classify first, then cluster with the entities found.
    const list = seeds.map((x, i) => {
      const c = classifyArticle(x);
      expect(c.topics[0]!.label).toBe('world');
      return { ...x, source: `outlet-${i}`, published: at(i ? '15:00' : '09:00'), entities: c.entities.map((e) => e.name) };
    });
    const s = await cluster(list);
    expect(new Set(s.values()).size).toBe(1);
  });
});

describe('clusterTime', () => {
  const discovered = '2026-11-22T06:00:00.000Z';
  it('uses the published time, falling back to discovery when it is missing or unreadable', () => {
    expect(clusterTime('2026-11-21T22:15:00.000Z', discovered)).toBe('2026-11-21T22:15:00.000Z');
    expect(clusterTime(null, discovered)).toBe(discovered);
    expect(clusterTime('not a date', discovered)).toBe(discovered);
  });
  it('caps a publication date more than a day after discovery', () => {
    expect(clusterTime('2026-11-22T20:00:00.000Z', discovered)).toBe('2026-11-22T20:00:00.000Z');
    expect(clusterTime('2099-01-01T00:00:00.000Z', discovered)).toBe('2026-11-23T06:00:00.000Z');
  });
});

describe('batch helpers', () => {
  const collect = async (fn: (out: PassThrough) => Promise<unknown>) => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const res = await fn(out);
    return { res, lines: chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('clusterJsonl writes {id, story} per line and reports bad lines', async () => {
    const input = Readable.from([articles.map((a) => JSON.stringify(a)).join('\n') + '\nnot json\n']);
    const { res, lines } = await collect((out) => clusterJsonl(input, out));
    expect(lines.map((l) => l.id)).toEqual(['r1', 'r2', 'a1']);
    expect(lines[2]!.story).toBe(lines[0]!.story);
    expect(res).toMatchObject({ read: 4, written: 3, errors: [{ line: 4, message: 'not valid JSON' }] });
  });

  it('classifyJsonl adds lang, topics and entities', async () => {
    const input = Readable.from([JSON.stringify({ id: 'x', title: articles[0]!.title, text: articles[0]!.text }) + '\n']);
    const { lines } = await collect((out) => classifyJsonl(input, out));
    expect(lines[0]).toMatchObject({ id: 'x', lang: 'en' });
    expect(Array.isArray(lines[0]!.topics)).toBe(true);
    expect((lines[0]!.entities as { name: string }[]).map((e) => e.name)).toContain('Italy');
  });
});
