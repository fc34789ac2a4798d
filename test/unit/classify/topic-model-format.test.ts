import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fnv1a, toBase64 } from '../../../src/workers/classify/text.js';
import { predictTopics, trainTopicModel, type TopicModel, type TopicModelV1 } from '../../../src/workers/classify/topic-model.js';
import { loadTopicModel, trainFromJsonl } from '../../../src/workers/classify/train.js';

const dir = mkdtempSync(join(tmpdir(), 'newsflow-topics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Three toy topics written for the test; the probe sentences share no full sentence with them.
const corpus: Record<string, string[]> = {
  sports: [
    'The striker scored twice as the home team won the league match',
    'A late goal gave the club a draw in the derby',
    'The goalkeeper saved a penalty in the second half',
    'The champion won the final set to take the tennis title',
  ],
  business: [
    'Shares fell after the company reported lower quarterly profits',
    'The central bank raised interest rates to curb inflation',
    'Investors sold bonds as the market priced in slower growth',
    'The firm agreed a merger deal worth two billion dollars',
  ],
  technology: [
    'The new smartphone runs a faster processor and more memory',
    'Hackers exploited a software flaw in the web browser',
    'The chipmaker unveiled processors for laptops and servers',
    'An update to the operating system fixes security bugs in the software',
  ],
};
const rows = Object.entries(corpus).flatMap(([label, texts]) => texts.map((text) => ({ text, label })));

describe('topic model features and file format', () => {
  it('learns a tiny synthetic set with word and character features', () => {
    const model = trainTopicModel(rows, { hashBits: 12, charNgrams: [2, 5], charHashBits: 12, minDf: 1, epochs: 60, titleWeight: 2 });
    expect(model.version).toBe(2);
    for (const [label, texts] of Object.entries(corpus)) {
      for (const text of texts) expect(predictTopics(model, text)[0]!.label).toBe(label);
    }
    // Character n-grams carry word forms the training rows never used ("goalkeepers", "processors'").
    expect(predictTopics(model, 'Goalkeepers and strikers')[0]!.label).toBe('sports');
    expect(predictTopics(model, 'Processors, browsers and smartphones')[0]!.label).toBe('technology');
  });

  it('writes a model that loads back from disk with identical predictions', async () => {
    const data = join(dir, 'rows.jsonl');
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'sub', 'model.json');
    const { model, labels } = await trainFromJsonl(data, out, { hashBits: 12, charHashBits: 12, minDf: 1 });
    expect(labels).toEqual(['business', 'sports', 'technology']);
    const back = loadTopicModel(out);
    expect(back).toEqual(JSON.parse(JSON.stringify(model)));
    for (const text of ['Bank profits and bond markets', 'A goal in the derby', 'A browser security flaw']) {
      expect(predictTopics(back, text)).toEqual(predictTopics(model, text));
    }
  });

  it('still reads version-1 models (word features, dense weights, one scale)', () => {
    const bits = 10;
    const B = 1 << bits;
    const idf = new Uint8Array(B);
    const w = new Int8Array(B * 2); // labels: business, sports
    const set = (word: string, business: number, sports: number) => {
      const h = fnv1a(word) & (B - 1);
      idf[h] = 100;
      w[h * 2] = business;
      w[h * 2 + 1] = sports;
    };
    set('goal', -100, 100);
    set('shares', 100, -100);
    const v1: TopicModelV1 = {
      format: 'newsflow-topics',
      version: 1,
      algorithm: 'logreg',
      labels: ['business', 'sports'],
      hashBits: bits,
      idf: toBase64(idf),
      idfScale: 50,
      weights: toBase64(w),
      weightScale: 0.05,
      bias: [0, 0],
      meta: {},
    };
    const copy = JSON.parse(JSON.stringify(v1)) as TopicModel;
    const sport = predictTopics(copy, 'What a goal');
    expect(sport[0]!.label).toBe('sports');
    // One feature with unit norm: z = ±100 * 0.05 = ±5, so p = 1 / (1 + e^-10).
    expect(sport[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-10)), 6);
    expect(predictTopics(copy, 'Shares slid')[0]!.label).toBe('business');
  });

  it('rejects unknown versions and other files with a message that says what to do', () => {
    const model = trainTopicModel(rows, { hashBits: 10, minDf: 1 });
    const future = { ...JSON.parse(JSON.stringify(model)), version: 3 } as unknown as TopicModel;
    expect(() => predictTopics(future, 'a goal')).toThrow(/version 3 is not supported.*retrain/);
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    expect(() => loadTopicModel(file)).toThrow(/not a newsflow topic model/);
    const corrupt = { ...JSON.parse(JSON.stringify(model)), weights: toBase64(new Int8Array(3)) } as TopicModel;
    expect(() => predictTopics(corrupt, 'a goal')).toThrow(/corrupt/);
  });
});
