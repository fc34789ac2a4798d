// jsdom-tuning.ts replaces three of jsdom's internal chores with allocation-free equivalents.
// A fresh worker thread (as in the extraction pool) must get all three, and jsdom must behave
// as before: mutation observers, memoised live collections, computed-style invalidation.
import { Piscina } from 'piscina';
import { beforeAll, describe, expect, it } from 'vitest';
import { scaled } from '../../helpers/time-scale.js';

interface Report {
  tuning: { mutationRecords: boolean; styleCache: boolean; modifiedSteps: boolean; skipped: string[] };
  records: string[];
  order: string[];
  styleCache: string;
  memo: { sameBefore: boolean; lengthBefore: number; renewed: boolean; lengthAfter: number };
  style: string[];
  words: number;
}

async function runThread(): Promise<Report> {
  // A piscina thread loading TypeScript through tsx, as the extraction pool runs in tests.
  const pool = new Piscina({
    filename: new URL('../../helpers/jsdom-tuning.thread.ts', import.meta.url).href,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NEWSFLOW_JSDOM_TUNING: '' },
    maxThreads: 1,
  });
  try {
    return (await pool.run(null)) as Report;
  } finally {
    await pool.destroy();
  }
}

describe('jsdom tuning in an extraction thread', () => {
  let report: Report;
  beforeAll(async () => {
    report = await runThread();
  }, scaled(60_000));

  it('is installed whole (a jsdom upgrade or an import-order change shows here)', () => {
    expect(report.tuning).toEqual({ mutationRecords: true, styleCache: true, modifiedSteps: true, skipped: [] });
    expect(report.words).toBeGreaterThan(50);
  });

  it('still delivers mutation records inside an observed subtree, and only there', () => {
    expect(report.records).toEqual([
      'attributes:a::+0-0',
      'characterData:#text:two:+0-0',
      'childList:watched::+1-0',
      'childList:watched::+0-1',
      'attributes:watched::+0-0',
    ]);
  });

  it('keeps observer callbacks in their place among other microtasks', () => {
    expect(report.order).toEqual(['observer', 'promise']);
  });

  it('puts its own style cache in place of jsdom\'s', () => {
    expect(report.styleCache).toBe('StyleCache');
  });

  it('still renews memoised collections when the tree changes, and keeps them live', () => {
    expect(report.memo).toEqual({ sameBefore: true, lengthBefore: 2, renewed: true, lengthAfter: 3 });
  });

  it('still drops computed styles when an attribute changes', () => {
    expect(report.style).toEqual(['block', 'none', 'block']);
  });
});
