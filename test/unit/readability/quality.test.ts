// A quality floor on labelled pages (../shared/data, development data kept outside the repo),
// and checks that the metric itself scores what it should.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFundus } from '../../../bench/datasets.js';
import { aggregateShingles, aggregateSnippets, scoreFundusPage, snippetCounts } from '../../../bench/metrics.js';
import { extractArticle } from '../../../src/workers/readability/extract.js';
import { repoRoot } from './helpers.js';
import { scaled } from '../../helpers/time-scale.js';

const dataRoot = path.resolve(repoRoot, '../shared/data');
const fundusDir = path.join(dataRoot, 'extraction/fundus-dev');

describe('metrics', () => {
  const gold = ['one two three four five six', '[optional words here and there]'];
  it('scores shingles as a multiset, with optional paragraphs either way', () => {
    expect(scoreFundusPage(gold, 'one two three four five six').f1).toBe(1);
    expect(scoreFundusPage(gold, 'one two three four five six optional words here and there').f1).toBe(1);
    expect(scoreFundusPage(gold, 'seven eight nine ten').f1).toBe(0);
    const dup = scoreFundusPage(['a b c d'], 'a b c d a b c d');
    expect(dup.recall).toBe(1);
    expect(dup.precision).toBeLessThan(1);
    expect(aggregateShingles([{ precision: null, recall: 0, f1: 0 }, { precision: 1, recall: 1, f1: 1 }])).toMatchObject({ precision: 1, recall: 0.5 });
  });
  it('counts snippets on whitespace-normalised text', () => {
    const c = snippetCounts('Hello\n  world. Footer', ['Hello world.', 'missing'], ['Footer', 'absent']);
    expect(c).toEqual({ tp: 1, fn: 1, fp: 1, tn: 1 });
    expect(aggregateSnippets([c]).f1).toBeCloseTo(0.5);
  });
});

describe.skipIf(!existsSync(fundusDir))('quality floor on fundus-dev', () => {
  it('keeps mean shingle F1 above 0.95 (plain Readability.js: about 0.91)', () => {
    const scores = loadFundus().map((p) => {
      let text = '';
      try {
        text = extractArticle(p.html, { url: p.url }).text;
      } catch {
        // An extraction failure scores as empty output.
      }
      return scoreFundusPage(p.body, text);
    });
    const agg = aggregateShingles(scores);
    expect(agg.precision).toBeGreaterThan(0.93);
    expect(agg.recall).toBeGreaterThan(0.93);
    expect(agg.f1).toBeGreaterThan(0.95);
  }, scaled(180_000));
});

if (!existsSync(fundusDir)) console.warn(`quality floor skipped: no labelled data at ${fundusDir}`);
