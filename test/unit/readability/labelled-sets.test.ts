// newsflow's own labelled pages (test/fixtures/boilerplate): 32 training pages and 12 held-out
// pages in publisher styles of their own, in English, French, German and Spanish, each with the
// article blocks and the boilerplate blocks a reader sees. The held-out pages were written apart
// from the classifier and are never read by training (scripts/train-boilerplate-model.ts).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateBlocks, blockCounts } from '../../../bench/metrics.js';
import { type LabelledPage, loadLabelledDir } from '../../../src/workers/readability/block-training.js';
import { extractArticle } from '../../../src/workers/readability/extract.js';
import { repoRoot } from './helpers.js';
import { scaled } from '../../helpers/time-scale.js';

const setDir = (name: string) => path.join(repoRoot, 'test/fixtures/boilerplate', name);

function score(pages: readonly LabelledPage[], blockModel?: null) {
  return pages.map((p) => {
    const gold = p.gold as { content: string[]; boilerplate: string[] };
    const paragraphs = extractArticle(p.html, { url: p.url, ...(blockModel === null ? { blockModel } : {}) }).paragraphs;
    return { page: p, counts: blockCounts(paragraphs, gold.content, gold.boilerplate) };
  });
}

describe('own labelled pages', () => {
  const holdout = loadLabelledDir(setDir('holdout'), 'holdout');
  const train = loadLabelledDir(setDir('train'), 'train');

  it('are what the model card says: 12 held out, 32 for training, four languages in each', () => {
    expect(holdout).toHaveLength(12);
    expect(train).toHaveLength(32);
    const langs = (pages: LabelledPage[]) => new Set(pages.map((p) => /^(en|fr|de|es)-/.exec(p.name)?.[1] ?? p.url));
    expect(langs(holdout)).toEqual(new Set(['en', 'fr', 'de', 'es']));
  });

  it('held out: every article block is kept, in every language, and less boilerplate leaks than without the classifier', () => {
    const withModel = score(holdout);
    const rulesOnly = score(holdout, null);
    for (const { page, counts } of withModel) expect(counts.missingText, page.name).toEqual([]);
    const a = aggregateBlocks(withModel.map((r) => r.counts));
    const b = aggregateBlocks(rulesOnly.map((r) => r.counts));
    expect(a.paragraphRecall).toBe(1);
    expect(a.boilerplateLeak).toBeLessThan(b.boilerplateLeak - 0.05);
  }, scaled(60_000));

  it('training pages: nearly every article block kept; what is lost is what Readability drops', () => {
    const results = score(train);
    const a = aggregateBlocks(results.map((r) => r.counts));
    expect(a.paragraphRecall).toBeGreaterThan(0.99);
    // In-sample: the model has seen these pages, so this only shows it learned them.
    expect(a.boilerplateLeak).toBeLessThan(0.05);
  }, scaled(60_000));
});
