import { describe, expect, it } from 'vitest';
import type { IndexedArticle } from '../../../src/workers/classify/story-cluster.js';
import { MemoryStoryIndex } from '../../../src/workers/classify/story-index.memory.js';

const article = (id: string, published: number, terms: string[], story = `s-${id}`): IndexedArticle => ({
  id,
  story,
  published,
  source: null,
  title: id,
  terms: Object.fromEntries(terms.map((t) => [t, 1])),
  entities: [],
});

describe('MemoryStoryIndex', () => {
  it('drops articles by published time as the window slides, whatever order they arrived in', async () => {
    const index = new MemoryStoryIndex();
    await index.transaction(async (tx) => {
      await tx.add(article('b', 20, ['port', 'strike']), 0);
      await tx.add(article('a', 5, ['port']), 0); // late, and older
      await tx.add(article('c', 30, ['port', 'strike'], 's-b'), 0);
      expect(await tx.stats(['port', 'strike', 'quay'], 0)).toEqual({ n: 3, df: [3, 2, 0] });
      // Past `a` only: it leaves though it is in the middle of the postings.
      expect(await tx.stats(['port', 'strike'], 10)).toEqual({ n: 2, df: [2, 2] });
      expect((await tx.candidates(['port'], 10, 10)).map((x) => x.id)).toEqual(['c', 'b']);
      expect((await tx.candidates(['port'], 10, 1)).map((x) => x.id)).toEqual(['c']);
      expect(await tx.spans(['s-b', 's-a'])).toEqual(new Map([['s-b', { start: 20, end: 30 }]]));
      // Past `b`: its story keeps `c`, and `c`'s postings stay whole.
      expect(await tx.stats(['port', 'strike'], 25)).toEqual({ n: 1, df: [1, 1] });
      expect(index.story('s-b')).toEqual({ members: ['c'], sources: [] });
      expect(await tx.stats(['port'], 31)).toEqual({ n: 0, df: [0] });
      expect(await tx.candidates(['port', 'strike'], 31, 10)).toEqual([]);
    });
    expect(index.size).toBe(0);
  });

  it('does not count an article that arrives already behind the window', async () => {
    const index = new MemoryStoryIndex();
    await index.transaction(async (tx) => {
      await tx.add(article('now', 100, ['port']), 0);
      expect(await tx.stats(['port'], 90)).toEqual({ n: 1, df: [1] });
      await tx.add(article('late', 50, ['port']), 0);
      expect(await tx.stats(['port'], 90)).toEqual({ n: 1, df: [1] });
      expect((await tx.candidates(['port'], 90, 10)).map((x) => x.id)).toEqual(['now']);
    });
  });

  it('counts an article that left and came back once, under its new terms only', async () => {
    const index = new MemoryStoryIndex();
    await index.transaction(async (tx) => {
      await tx.add(article('a', 50, ['port']), 0);
      await tx.add(article('b', 40, ['port']), 0);
      await tx.stats(['port'], 45); // b leaves, though it is not the oldest in the postings
      await tx.add(article('b', 40, ['strike']), 0); // a retried job adds it again, retitled
      expect(await tx.stats(['port', 'strike'], 30)).toEqual({ n: 2, df: [1, 1] });
      expect((await tx.candidates(['port'], 30, 2)).map((x) => x.id)).toEqual(['a']);
      expect((await tx.candidates(['strike'], 30, 2)).map((x) => x.id)).toEqual(['b']);
      await tx.add(article('c', 60, ['port']), 0);
      expect((await tx.candidates(['port'], 30, 2)).map((x) => x.id)).toEqual(['c', 'a']);
    });
  });

  it('keeps postings whole across many articles leaving (compaction)', async () => {
    const index = new MemoryStoryIndex();
    await index.transaction(async (tx) => {
      for (let i = 0; i < 500; i++) await tx.add(article(`x${i}`, i, ['common', `only${i}`]), 0);
      expect((await tx.stats(['common'], 400)).df).toEqual([100]);
      const got = await tx.candidates(['common'], 400, 1000);
      expect(got.map((x) => x.id)).toEqual(Array.from({ length: 100 }, (_, k) => `x${499 - k}`));
    });
  });
});
