// `npm run cv:boilerplate`: the boilerplate classifier judged end to end on pages it did not train
// on, without touching the held-out set: newsflow's 32 training pages (test/fixtures/boilerplate/
// train) in 4 folds; for each, a model trained on fundus-dev, the first N trafilatura-990 pages
// (--traf N, default 300) and the other folds' pages, then extraction of the fold's pages with
// that model. Prints paragraph recall and boilerplate leak, with no classifier (layers 1-4 and 6) beside (-v: every
// leaked and missing block). Thresholds come from one 5-fold pass over all pages, as in training.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasExtractionData, repoRoot, sharedLabelledPages } from '../bench/datasets.js';
import { type BlockCounts, aggregateBlocks, blockCounts } from '../bench/metrics.js';
import { DEFAULT_BLOCK_TRAINING, encodeBlockModel } from '../src/workers/readability/block-model.js';
import { type LabelledPage, DEFAULT_MAX_LOSS, SHIPPED_TRAINING, chooseThresholds, crossValidatedScores, loadLabelledDir, readPages, trainBlockModel } from '../src/workers/readability/block-training.js';
import { extractArticle } from '../src/workers/readability/extract.js';

const args = process.argv.slice(2);
const trafN = args.includes('--traf') ? Number(args[args.indexOf('--traf') + 1]) : 300;
const verbose = args.includes('-v');
const FOLDS = 4;
const WEIGHTS = SHIPPED_TRAINING.weights;

if (!hasExtractionData()) {
  console.log('skipped: no ../shared/data/extraction');
  process.exit(0);
}
const own = loadLabelledDir(path.join(repoRoot, 'test/fixtures/boilerplate/train'), 'newsflow');
const labelled: LabelledPage[] = [...sharedLabelledPages(trafN), ...own];
const pages = await readPages(labelled, DEFAULT_BLOCK_TRAINING.hashBits);
const thresholds = chooseThresholds(pages, crossValidatedScores(pages, 5, DEFAULT_BLOCK_TRAINING, WEIGHTS), DEFAULT_MAX_LOSS, SHIPPED_TRAINING.thresholdSources);
console.log(`thresholds: short ${thresholds.threshold}, tail ${thresholds.tailThreshold}, long ${thresholds.longThreshold}`);

const withModel: BlockCounts[] = [];
const rulesOnly: BlockCounts[] = [];
const paragraphs = (p: LabelledPage, blockModel: string | null) => {
  try {
    return extractArticle(p.html, { url: p.url, blockModel }).paragraphs;
  } catch {
    return [];
  }
};
for (let f = 0; f < FOLDS; f++) {
  const test = own.filter((_, i) => i % FOLDS === f);
  const names = new Set(test.map((p) => p.name));
  const { model } = trainBlockModel(pages.filter((p) => !(p.page.source === 'newsflow' && names.has(p.page.name))), thresholds, DEFAULT_BLOCK_TRAINING, WEIGHTS);
  const file = path.join(tmpdir(), `newsflow-cv-boilerplate-${process.pid}-${f}.json`);
  writeFileSync(file, JSON.stringify(encodeBlockModel(model)));
  for (const p of test) {
    const gold = p.gold as { content: string[]; boilerplate: string[] };
    const c = blockCounts(paragraphs(p, file), gold.content, gold.boilerplate);
    withModel.push(c);
    rulesOnly.push(blockCounts(paragraphs(p, null), gold.content, gold.boilerplate));
    if (verbose) for (const [kind, list] of [['leaked', c.leakedText], ['missing', c.missingText]] as const) for (const t of list) console.log(`  ${kind} ${p.name.slice(0, 24)} | ${t.slice(0, 100)}`);
  }
}
for (const [name, counts] of [['classifier (out of fold)', withModel], ['no classifier', rulesOnly]] as const) {
  const a = aggregateBlocks(counts);
  console.log(`${name.padEnd(26)} paragraph recall ${a.paragraphRecall.toFixed(3)}, boilerplate leak ${a.boilerplateLeak.toFixed(3)} (${counts.reduce((n, c) => n + c.leaked, 0)}/${counts.reduce((n, c) => n + c.boilerplate, 0)})`);
}
