// `npm run train:boilerplate`: trains the shipped boilerplate classifier (models/boilerplate.model.json)
// on the labelled pages this repository can see, reproducibly (fixed seed, fixed folds):
//   fundus-dev (../shared/data), trafilatura-990 (../shared/data), and newsflow's own pages in
//   test/fixtures/boilerplate/train. test/fixtures/boilerplate/holdout is never read here.
// It prints out-of-fold figures per source (5 folds by page) for the thresholds it picks, then
// trains on everything and writes the model. Options: --out FILE, --dry-run (figures only).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir, hasExtractionData, repoRoot, sharedLabelledPages } from '../bench/datasets.js';
import { DEFAULT_BLOCK_TRAINING, encodeBlockModel } from '../src/workers/readability/block-model.js';
import {
  type LabelledPage,
  type PageBlocks,
  type Thresholds,
  DEFAULT_MAX_LOSS,
  SHIPPED_TRAINING,
  chooseThresholds,
  crossValidatedScores,
  loadLabelledDir,
  outOfFold,
  readPages,
  trainBlockModel,
} from '../src/workers/readability/block-training.js';

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = outArg >= 0 ? args[outArg + 1]! : path.join(repoRoot, 'models/boilerplate.model.json');

const WEIGHTS = SHIPPED_TRAINING.weights;
/** Share of the article blocks the rules keep that each threshold may drop, out of fold. */
const MAX_LOSS: Thresholds = DEFAULT_MAX_LOSS;
const FOLDS = 5;

async function main(): Promise<void> {
  if (!hasExtractionData()) {
    console.error(`no extraction data at ${dataDir}: the shipped model is trained on ../shared/data/extraction`);
    process.exit(1);
  }
  const labelled: LabelledPage[] = [...sharedLabelledPages(), ...loadLabelledDir(path.join(repoRoot, 'test/fixtures/boilerplate/train'), 'newsflow')];
  const t0 = performance.now();
  const pages = await readPages(labelled, DEFAULT_BLOCK_TRAINING.hashBits);
  const marked = pages.reduce((n, p) => n + p.marked.length, 0);
  console.log(`read ${pages.length} of ${labelled.length} pages in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${marked} more boilerplate blocks from markup-marked boxes`);

  const scores = crossValidatedScores(pages, FOLDS, DEFAULT_BLOCK_TRAINING, WEIGHTS);
  const thresholds = chooseThresholds(pages, scores, MAX_LOSS, SHIPPED_TRAINING.thresholdSources);
  console.log(`thresholds: short ${thresholds.threshold}, tail ${thresholds.tailThreshold}, long ${thresholds.longThreshold}`);
  const report = outOfFold(pages, scores, thresholds);
  for (const line of report.lines) console.log(line);

  const { model, rows } = trainBlockModel(pages, thresholds, DEFAULT_BLOCK_TRAINING, WEIGHTS, {
    trainedOn: { pages: pages.length, sources: Object.fromEntries(count(pages)) },
    options: DEFAULT_BLOCK_TRAINING,
    sourceWeights: WEIGHTS,
    maxLoss: MAX_LOSS,
    outOfFold: report.figures,
  });
  const file = encodeBlockModel(model);
  if (args.includes('--dry-run')) {
    console.log(`(dry run: not written) ${rows} blocks, ${Buffer.byteLength(JSON.stringify(file))} bytes`);
    return;
  }
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(`wrote ${out}: ${rows} training blocks, ${Buffer.byteLength(JSON.stringify(file))} bytes`);
}

function count(pages: readonly PageBlocks[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of pages) m.set(p.page.source, (m.get(p.page.source) ?? 0) + 1);
  return m;
}

void main();
