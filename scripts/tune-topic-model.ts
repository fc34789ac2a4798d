// Choose the default model's settings by k-fold cross-validation on the TRAINING rows only
// (BBC minus its hold-out, AG train minus ag_news_dev_1k); the hold-out and dev rows are never
// read here. Each argument is a JSON object of TrainOptions plus `bbcWeight` (BBC row weight)
// and `nbMix` (share of a naive Bayes model's probabilities averaged in); one line per argument.
// `predictChars` (a list, 0 = whole text) scores the same models on the first N characters of
// each validation text, one line per N:
//   npx tsx scripts/tune-topic-model.ts '{"predictChars":[0,2000,3000,4000]}'
//   npx tsx scripts/tune-topic-model.ts '{}' '{"charNgrams":[2,5]}'
// Folds are drawn by a content hash, so BBC's duplicate articles stay in one fold.
import { join, resolve } from 'node:path';
import { TAXONOMY_TO_AG, TAXONOMY_TO_BBC } from '../src/workers/classify/taxonomy.js';
import { fnv1a } from '../src/workers/classify/text.js';
import { leadingText, predictTopics, trainTopicModel, type TopicRow, type TrainOptions } from '../src/workers/classify/topic-model.js';
import { BBC_ROW_WEIGHT, DEFAULT_TRAIN_OPTIONS, readJsonl, topicSplit } from '../src/workers/classify/train.js';

const FOLDS = Number(process.env.FOLDS ?? 5);
const dataDir = resolve(process.env.NEWSFLOW_DATA ?? join(process.cwd(), '../shared/data'), 'topics');
const { train, trainSource } = topicSplit(dataDir);
const fold = train.map((r) => fnv1a(r.text, 0x2545f491) % FOLDS);

type Config = TrainOptions & { bbcWeight?: number; nbMix?: number; predictChars?: number[]; uci?: 'all' | 'no-health' };

// `uci`: add the UCI News Aggregator headlines of ../shared/data/stories/uci_dev.jsonl to every
// fold's training part (never validated on; BBC and AG folds stay as they are).
const UCI_TO_TAXONOMY: Record<string, string> = {
  business: 'business',
  entertainment: 'entertainment',
  science_technology: 'technology',
  health: 'health',
};
function uciRows(which: 'all' | 'no-health'): TopicRow[] {
  return readJsonl(join(dataDir, '..', 'stories', 'uci_dev.jsonl'))
    .filter((r) => which === 'all' || r.category !== 'health')
    .map((r) => ({ text: r.title!, label: UCI_TO_TAXONOMY[r.category!]!, weight: 1 }));
}

function mix(a: { label: string; score: number }[], b: { label: string; score: number }[], w: number): string {
  const p = new Map(a.map((x) => [x.label, (1 - w) * x.score]));
  for (const x of b) p.set(x.label, (p.get(x.label) ?? 0) + w * x.score);
  return [...p].sort((x, y) => y[1] - x[1])[0]![0];
}

for (const arg of process.argv.slice(2)) {
  const cfg = JSON.parse(arg) as Config;
  const { bbcWeight = BBC_ROW_WEIGHT, nbMix = 0, predictChars = [0], uci, ...rest } = cfg;
  const extra = uci ? uciRows(uci) : [];
  const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...rest };
  const tally = predictChars.map(() => ({ bbcOk: 0, bbcN: 0, agOk: 0, agN: 0 }));
  let ms = 0;
  for (let f = 0; f < FOLDS; f++) {
    const fit: TopicRow[] = [];
    const val: number[] = [];
    train.forEach((r, i) => {
      if (fold[i] === f) val.push(i);
      else fit.push({ ...r, weight: trainSource[i] === 'bbc' ? bbcWeight : 1 });
    });
    fit.push(...extra);
    const t0 = performance.now();
    const model = trainTopicModel(fit, opts);
    ms += performance.now() - t0;
    const nb = nbMix > 0 ? trainTopicModel(fit, { ...opts, algorithm: 'nb', supervisedWeight: 0 }) : null;
    for (const i of val) {
      const gold = train[i]!.label;
      predictChars.forEach((n, c) => {
        const text = n > 0 ? leadingText(train[i]!.text, n) : train[i]!.text;
        const lr = predictTopics(model, text);
        const pred = nb ? mix(lr, predictTopics(nb, text), nbMix) : lr[0]!.label;
        const t = tally[c]!;
        if (trainSource[i] === 'bbc') {
          t.bbcN++;
          if (TAXONOMY_TO_BBC[pred] != null && TAXONOMY_TO_BBC[pred] === TAXONOMY_TO_BBC[gold]) t.bbcOk++;
        } else {
          t.agN++;
          if (TAXONOMY_TO_AG[pred] != null && TAXONOMY_TO_AG[pred] === TAXONOMY_TO_AG[gold]) t.agOk++;
        }
      });
    }
  }
  predictChars.forEach((n, c) => {
    const { bbcOk, bbcN, agOk, agN } = tally[c]!;
    console.log(
      `cv BBC ${(bbcOk / bbcN).toFixed(4)} (${bbcN - bbcOk} err) AG ${(agOk / agN).toFixed(4)} (${agN - agOk} err) ` +
        `train ${(ms / FOLDS / 1000).toFixed(1)} s/fold ${arg}${predictChars.length > 1 ? ` predicting from ${n || 'all'} chars` : ''}`,
    );
  });
}
