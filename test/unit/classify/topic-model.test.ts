import { describe, expect, it } from 'vitest';
import { classifyArticle, TOPIC_TEXT_CHARS } from '../../../src/workers/classify/classify.js';
import { leadingText, predictTopics, trainTopicModel, type TopicRow } from '../../../src/workers/classify/topic-model.js';
import { parseTopicRows } from '../../../src/workers/classify/train.js';

// A toy corpus written for the test: two clearly separable topics.
const sports = [
  'The striker scored twice as the home team won the league match',
  'The coach praised his players after the cup final victory',
  'A late goal gave the club a draw in the derby on Saturday',
  'The tennis champion won the final set to take the title',
  'Fans cheered as the team lifted the trophy at the stadium',
  'The goalkeeper saved a penalty in the second half of the match',
];
const business = [
  'Shares fell after the company reported lower quarterly profits',
  'The central bank raised interest rates to curb inflation',
  'Investors sold bonds as the market priced in slower growth',
  'The firm agreed a merger deal worth two billion dollars',
  'Oil prices rose and the stock market closed higher on the day',
  'Quarterly revenue beat analyst forecasts and the shares rallied',
];
const rows: TopicRow[] = [
  ...sports.map((text) => ({ text, label: 'sports' })),
  ...business.map((text) => ({ text, label: 'business' })),
];

describe('topic model', () => {
  const model = trainTopicModel(rows, { hashBits: 12, minDf: 1, epochs: 40 });

  it('learns the labels and predicts unseen texts', () => {
    expect(model.labels).toEqual(['business', 'sports']);
    expect(predictTopics(model, 'The team scored a late goal to win the match')[0]!.label).toBe('sports');
    expect(predictTopics(model, 'Bank shares fell as profits and interest rates disappointed investors')[0]!.label).toBe('business');
  });

  it('returns every label with probabilities summing to one, best first', () => {
    const p = predictTopics(model, 'the club won the cup');
    expect(p).toHaveLength(2);
    expect(p[0]!.score).toBeGreaterThanOrEqual(p[1]!.score);
    expect(p.reduce((s, x) => s + x.score, 0)).toBeCloseTo(1, 6);
  });

  it('survives a JSON round trip unchanged', () => {
    const copy = JSON.parse(JSON.stringify(model));
    const text = 'Stocks rallied after the merger';
    expect(predictTopics(copy, text)).toEqual(predictTopics(model, text));
  });

  it('averages the weights of several SGD runs when asked (runs)', () => {
    // One epoch, so that each run's shuffle leaves its mark on the weights.
    const base = { hashBits: 12, minDf: 1, epochs: 1 };
    const logit = (m: ReturnType<typeof trainTopicModel>, text: string) => {
      const p = new Map(predictTopics(m, text).map((x) => [x.label, x.score]));
      return Math.log(p.get('sports')! / p.get('business')!);
    };
    const a = trainTopicModel(rows, { ...base, seed: 42 });
    const b = trainTopicModel(rows, { ...base, seed: 43 });
    const both = trainTopicModel(rows, { ...base, seed: 42, runs: 2 });
    expect(trainTopicModel(rows, { ...base, seed: 42, runs: 1 }).weights).toBe(a.weights);
    for (const text of ['The team scored a late goal', 'Shares rallied after the merger', 'The club reported higher profits']) {
      const mean = (logit(a, text) + logit(b, text)) / 2;
      expect(Math.abs(logit(a, text) - logit(b, text))).toBeGreaterThan(0.05);
      const tolerance = 0.03 * Math.abs(mean) + 0.01;
      expect(Math.abs(logit(both, text) - mean)).toBeLessThan(tolerance);
      // Neither run alone: the average sits between them, away from both.
      expect(Math.abs(logit(both, text) - logit(a, text))).toBeGreaterThan(tolerance);
      expect(Math.abs(logit(both, text) - logit(b, text))).toBeGreaterThan(tolerance);
    }
    expect(() => trainTopicModel(rows, { ...base, runs: 0 })).toThrow(/runs must be a positive integer/);
  });

  it('refuses to train on a single label', () => {
    expect(() => trainTopicModel(sports.map((text) => ({ text, label: 'sports' })))).toThrow(/two labels/);
  });

  it('parses {text,label} and {title,text,label} rows and names bad lines', () => {
    const parsed = parseTopicRows('{"text":"a","label":"x"}\n\n{"title":"T","text":"b","label":"y"}\n');
    expect(parsed).toEqual([
      { text: 'a', label: 'x' },
      { text: 'T\nb', label: 'y' },
    ]);
    expect(() => parseTopicRows('{"text":"a"}', 'f.jsonl')).toThrow('f.jsonl:1: "label" must be a non-empty string');
  });

  it('reads a long article from its start: topics come from the first TOPIC_TEXT_CHARS characters', () => {
    // A sports report followed by a much longer business appendix: the whole text reads as business.
    const lead = Array.from({ length: 40 }, (_, i) => sports[i % sports.length]).join('. ');
    expect(lead.length).toBeLessThan(TOPIC_TEXT_CHARS);
    const tail = Array.from({ length: 400 }, (_, i) => business[i % business.length]).join('. ');
    const text = `${lead}. ${tail}`;
    expect(predictTopics(model, text)[0]!.label).toBe('business');
    expect(classifyArticle({ title: null, text }, { model }).topics[0]!.label).toBe('sports');
  });
});

describe('leadingText', () => {
  it('keeps short texts whole and cuts long ones at a word boundary', () => {
    expect(leadingText('one two three', 100)).toBe('one two three');
    expect(leadingText('one two three', 9)).toBe('one two');
    expect(leadingText('one two three', 7)).toBe('one two');
    expect(leadingText('one two\nthree four', 12)).toBe('one two');
  });

  it('cuts at the limit when one word runs past it', () => {
    expect(leadingText('x'.repeat(50), 10)).toBe('x'.repeat(10));
  });
});
