// Train the shipped topic model from ../shared/data/topics (BBC minus its hold-out, AG train
// minus ag_news_dev_1k) and write models/topics.model.json. `npm run train:default`.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { trainTopicModel } from '../src/workers/classify/topic-model.js';
import { BBC_ROW_WEIGHT, DEFAULT_TRAIN_OPTIONS, defaultModelPath, topicSplit } from '../src/workers/classify/train.js';

const dataDir = resolve(process.argv[2] ?? join(process.cwd(), '../shared/data/topics'));
if (!existsSync(join(dataDir, 'bbc.jsonl'))) {
  console.error(`no training data at ${dataDir} (pass the topics folder as the first argument)`);
  process.exit(1);
}
const { train } = topicSplit(dataDir);
const started = Date.now();
const model = trainTopicModel(train, {
  ...DEFAULT_TRAIN_OPTIONS,
  meta: {
    data: 'bbc.jsonl minus 20% hold-out (content hash), ag_news_train_5k.jsonl minus ag_news_dev_1k texts',
    bbcRowWeight: BBC_ROW_WEIGHT,
    options: DEFAULT_TRAIN_OPTIONS,
    chosenBy: '5-fold cross-validation on the training rows (scripts/tune-topic-model.ts)',
  },
});
const out = defaultModelPath();
const json = JSON.stringify(model) + '\n';
await writeFile(out, json);
console.log(`trained on ${train.length} rows in ${Date.now() - started} ms: ${model.labels.join(', ')}`);
console.log(`wrote ${out} (${(json.length / 1e6).toFixed(2)} MB)`);
