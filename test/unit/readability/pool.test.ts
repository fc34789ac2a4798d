// The worker-thread pool: same result as the in-process call, a hung page is cut off at its
// time limit (its thread terminated) and the pool keeps serving.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/shared/errors.js';
import { extractArticle } from '../../../src/workers/readability/extract.js';
import { createExtractPool } from '../../../src/workers/readability/extract.pool.js';
import { URL, articlePage, repoRoot } from './helpers.js';
import { scaled } from '../../helpers/time-scale.js';

const seed = readFileSync(path.join(repoRoot, 'fixtures/pages/seed-iran-russia-theweek.html'), 'utf8');
const seedUrl = 'https://theweek.com/russo-ukrainian-war/1018089/russia-to-receive-additional-weapons-from-iran-report-says';

describe('extract pool', () => {
  const pool = createExtractPool({ threads: 2, timeoutMs: 4_000 });
  afterAll(() => pool.close());

  it('returns exactly what the in-process call returns', async () => {
    const [a, b] = await Promise.all([pool.extract(seed, { url: seedUrl }), pool.extract(articlePage('de', ''), { url: URL })]);
    expect(a).toEqual(extractArticle(seed, { url: seedUrl }));
    expect(b).toEqual(extractArticle(articlePage('de', ''), { url: URL }));
  });

  it('passes permanent errors through with their code', async () => {
    await expect(pool.extract('', { url: URL })).rejects.toMatchObject({ name: 'PermanentError', code: 'empty' });
  });

  it('terminates a page over its time limit and keeps working', async () => {
    // Warm both threads so thread start-up is not counted against the limit.
    await Promise.all([pool.extract(seed, { url: seedUrl }), pool.extract(seed, { url: seedUrl })]);
    // Readability's work grows with the square of nesting depth: 300 paragraphs each 100 divs
    // deep take minutes on any machine (the page is only ~0.4 MB).
    const deep = `${'<div>'.repeat(100)}<p>${'Many words in a paragraph that goes on. '.repeat(8)}</p>${'</div>'.repeat(100)}`;
    const slow = `<html><body><article>${deep.repeat(300)}</article></body></html>`;
    const started = performance.now();
    const err = await pool.extract(slow, { url: URL }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(8_000);
    const after = await Promise.all([1, 2, 3].map(() => pool.extract(seed, { url: seedUrl })));
    for (const a of after) expect(a.title).toBe('Russia to receive additional weapons from Iran, report says');
  });

  it('replaces its threads every recycleAfterPages pages per thread without losing a page', async () => {
    const small = createExtractPool({ threads: 1, timeoutMs: 30_000, recycleAfterPages: 3 });
    try {
      const expected = extractArticle(seed, { url: seedUrl });
      // Eight pages at once: the first generation takes three, queued, while later ones go to the next.
      const got = await Promise.all(Array.from({ length: 8 }, () => small.extract(seed, { url: seedUrl })));
      for (const a of got) expect(a).toEqual(expected);
      expect(small.recycled).toBe(2);
    } finally {
      await small.close();
    }
  }, scaled(60_000));

  it('parses with the DOM it was created for (extract.dom)', async () => {
    const light = createExtractPool({ threads: 1, timeoutMs: 30_000, dom: 'linkedom' });
    try {
      // Text stranded in a table is one of the few places the two DOMs' trees differ (dom-parity.test.ts).
      const page = articlePage('en', '<table><tr><td>cell</td></tr>stray table text<p>Paragraph inside a table</table>');
      const got = await light.extract(page, { url: URL });
      expect(got).toEqual(extractArticle(page, { url: URL, dom: 'linkedom' }));
      expect(got).not.toEqual(extractArticle(page, { url: URL, dom: 'jsdom' }));
    } finally {
      await light.close();
    }
  }, scaled(60_000));

  it.each(['jsdom', 'linkedom'] as const)('fails a page that exhausts its thread\'s heap cap for good, and the pool keeps working (%s)', async (dom) => {
    const small = createExtractPool({ threads: 1, timeoutMs: 30_000, maxHeapMb: 64, youngGenMb: 8, dom });
    try {
      // ~300,000 elements: several hundred MB of DOM nodes, far over a 64 MB heap.
      const huge = `<html><body><article>${'<p>word <b>bold</b> <i>it</i> <span>x</span></p>'.repeat(75_000)}</article></body></html>`;
      const err = await small.extract(huge, { url: URL }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).code).toBe('too_large');
      expect((err as PermanentError).message).toContain('extract.heapMb');
      const after = await small.extract(seed, { url: seedUrl });
      expect(after.title).toBe('Russia to receive additional weapons from Iran, report says');
    } finally {
      await small.close();
    }
  }, scaled(60_000));

  it('frees each page\'s memory: a long run of jsdom pages in one thread fits a small heap', async () => {
    // jsdom cleans up through FinalizationRegistry callbacks and WeakRefs, which need the thread
    // to return to its event loop between pages. A thread that takes each task from inside the
    // previous one (piscina's default 'sync' atomics) kept ~1 MB a page: in a 64 MB heap this run
    // lost a page every 75 or so to too_large.
    const small = createExtractPool({ threads: 1, timeoutMs: 30_000, maxHeapMb: 64, youngGenMb: 128, recycleAfterPages: 1_000_000, dom: 'jsdom' });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, () => small.extract(seed, { url: seedUrl }).then(() => 'ok', (e: unknown) => (e as { code?: string }).code ?? String(e))),
      );
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
      expect(small.recycled).toBe(0);
    } finally {
      await small.close();
    }
  }, scaled(120_000));
});
