// Training data and training for the boilerplate classifier (block-model.ts): labelled pages in,
// labelled blocks out, then a model with thresholds chosen on held-out folds.
//
// A labelled page says what its article is in one of three ways:
//   full      the article's paragraphs (fundus-dev): every other block Readability kept is boilerplate
//   lists     article blocks and boilerplate blocks (newsflow's own pages, and yours: `<name>.html` +
//             `<name>.gold.json` with `content` and `boilerplate`); blocks in neither are not used
//   snippets  text that must and must not appear (trafilatura-990); other blocks are not used
// Pure but for loadLabelledDir, which reads a folder.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { PermanentError } from '../../shared/errors.js';
import path from 'node:path';
import { type BlockModel, type BlockTrainOptions, DEFAULT_BLOCK_TRAINING, LONG_BLOCK_WORDS, type TrainingBlock, encodeBlockModel, scoreBlock, trainBlockWeights } from './block-model.js';
import { type BlockFeatures, LONG_WORDS, wordCount } from './block-features.js';
import { type CandidateBlocks, candidateBlocks } from './extract.js';

export type Gold =
  | { kind: 'full'; paragraphs: string[] }
  | { kind: 'lists'; content: string[]; boilerplate: string[] }
  | { kind: 'snippets'; with: string[]; without: string[] };

export interface LabelledPage {
  /** Where the page comes from (a set name): folds keep a page whole, reports go by source. */
  source: string;
  name: string;
  url: string;
  html: string;
  gold: Gold;
}

/** The gold file beside each page of a folder of your own (see the model card). */
export interface GoldFile {
  url: string;
  lang?: string;
  style?: string;
  content: string[];
  boilerplate: string[];
}

export function loadLabelledDir(dir: string, source: string): LabelledPage[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder of labelled pages`);
  const golds = readdirSync(dir).filter((f) => f.endsWith('.gold.json')).sort();
  if (golds.length === 0) throw new Error(`no labelled pages in ${dir}: each page is NAME.html with NAME.gold.json beside it`);
  return golds.map((f) => {
    const name = f.slice(0, -'.gold.json'.length);
    const goldPath = path.join(dir, f);
    const htmlPath = path.join(dir, `${name}.html`);
    let gold: GoldFile;
    try {
      gold = JSON.parse(readFileSync(goldPath, 'utf8')) as GoldFile;
    } catch (err) {
      throw new Error(`${goldPath}: not JSON (${(err as Error).message})`, { cause: err });
    }
    if (!Array.isArray(gold.content) || !Array.isArray(gold.boilerplate) || typeof gold.url !== 'string') {
      throw new Error(`${goldPath}: a gold file needs "url", "content" and "boilerplate"`);
    }
    if (!existsSync(htmlPath)) throw new Error(`${htmlPath} is missing: ${f} needs its page beside it`);
    return { source, name, url: gold.url, html: readFileSync(htmlPath, 'utf8'), gold: { kind: 'lists', content: gold.content, boilerplate: gold.boilerplate } } satisfies LabelledPage;
  });
}

/** Lower-cased words joined by single spaces: what matching compares. */
export const wordKey = (s: string): string => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');

function trigrams(key: string): string[] {
  const w = key.split(' ');
  const out: string[] = [];
  for (let i = 0; i + 2 < w.length; i++) out.push(`${w[i]} ${w[i + 1]} ${w[i + 2]}`);
  return out;
}

/** 0 = article text, 1 = boilerplate, null = not known (left out of training and scoring). */
export type Label = 0 | 1 | null;

/** A labeller for one page's blocks. */
export function labeller(gold: Gold): (text: string) => Label {
  if (gold.kind === 'full') {
    // Fundus marks optional paragraphs with [brackets]: either way is right, so they teach nothing.
    const optional = gold.paragraphs.filter((p) => /^\[.*\]$/s.test(p.trim())).map(wordKey);
    const body = gold.paragraphs.filter((p) => !/^\[.*\]$/s.test(p.trim())).map(wordKey);
    const joined = ` ${body.join(' | ')} `;
    const tri = new Set(body.flatMap(trigrams));
    return (text) => {
      const k = wordKey(text);
      if (!k) return null;
      if (optional.some((o) => o.includes(k) || (k.includes(o) && o.length > k.length / 2))) return null;
      const tris = trigrams(k);
      if (tris.length === 0) return body.includes(k) ? 0 : joined.includes(` ${k} `) ? null : 1;
      const share = tris.filter((t) => tri.has(t)).length / tris.length;
      return share >= 0.6 ? 0 : share <= 0.2 ? 1 : null;
    };
  }
  const [yes, no] = gold.kind === 'lists' ? [gold.content, gold.boilerplate] : [gold.with, gold.without];
  const contentKeys = yes.map(wordKey).filter((k) => k.length >= 2);
  const junkKeys = no.map(wordKey).filter((k) => k.length >= 2);
  // Word for word: "Sport" is not inside "Transport".
  const within = (outer: string, inner: string) => ` ${outer} `.includes(` ${inner} `);
  const matches = (k: string, entry: string) =>
    gold.kind === 'snippets' ? entry.length >= 10 && within(k, entry) : k === entry || (within(k, entry) && entry.length >= k.length / 2) || (within(entry, k) && k.length >= entry.length / 2);
  return (text) => {
    const k = wordKey(text);
    if (!k) return null;
    const c = contentKeys.some((e) => matches(k, e));
    const j = junkKeys.some((e) => matches(k, e));
    return c === j ? null : c ? 0 : 1;
  };
}

export interface PageBlocks {
  page: LabelledPage;
  candidates: CandidateBlocks;
  labels: Label[];
  /**
   * Boilerplate that layer 1 (markup) removes on this page, read with that layer off: more
   * furniture to learn from, in the places pages put it. Training only; never scored.
   */
  marked: BlockFeatures[];
}

/** Readability's blocks of each page with their labels; pages Readability finds nothing in are skipped. */
export async function readPages(pages: readonly LabelledPage[], hashBits: number): Promise<PageBlocks[]> {
  const out: PageBlocks[] = [];
  for (const page of pages) {
    try {
      const candidates = candidateBlocks(page.html, { url: page.url, blockModel: null }, hashBits);
      const label = labeller(page.gold);
      const seen = new Set(candidates.blocks.map((b) => b.text));
      const unmarked = candidateBlocks(page.html, { url: page.url, blockModel: null, skipStructure: true }, hashBits);
      const marked = unmarked.features.filter((_, i) => !seen.has(unmarked.blocks[i]!.text) && label(unmarked.blocks[i]!.text) === 1);
      out.push({ page, candidates, labels: candidates.blocks.map((b) => label(b.text)), marked });
    } catch (err) {
      // A page with no article (or not HTML at all) teaches nothing; a bad URL in a gold file or a
      // bug is said, with the page.
      if (!(err instanceof PermanentError) || err.code === 'invalid_url') {
        throw new Error(`${page.source} ${page.name} (${page.url}): ${(err as Error).message}`, { cause: err });
      }
    }
    // jsdom frees a page's memory between event-loop turns only (NOTES, Extraction).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Weight of each source's blocks in training (default 1); `boilerplate` multiplies every boilerplate block's. */
export type SourceWeights = Record<string, number>;

export function trainingRows(pages: readonly PageBlocks[], weights: SourceWeights = {}): TrainingBlock[] {
  const rows: TrainingBlock[] = [];
  for (const p of pages) {
    const w = weights[p.page.source] ?? 1;
    const junk = w * (weights.boilerplate ?? 1);
    p.labels.forEach((label, i) => {
      if (label !== null) rows.push({ features: p.candidates.features[i]!, label, weight: label === 1 ? junk : w });
    });
    for (const features of p.marked) rows.push({ features, label: 1, weight: junk });
  }
  return rows;
}

export interface Thresholds {
  threshold: number;
  longThreshold: number;
  tailThreshold: number;
}

/** Out-of-fold scores: each page scored by a model trained without its fold. */
export function crossValidatedScores(pages: readonly PageBlocks[], folds: number, opts: BlockTrainOptions, weights: SourceWeights = {}): number[][] {
  const scores = pages.map((p) => p.labels.map(() => NaN));
  for (let f = 0; f < folds; f++) {
    const train = pages.filter((_, i) => i % folds !== f);
    const { weights: w, bias } = trainBlockWeights(trainingRows(train, weights), opts);
    const model: BlockModel = { hashBits: opts.hashBits, bias, threshold: 1, longThreshold: 1, tailThreshold: 1, weights: w, meta: {} };
    pages.forEach((p, i) => {
      if (i % folds !== f) return;
      p.candidates.features.forEach((feat, k) => (scores[i]![k] = scoreBlock(model, feat)));
    });
  }
  return scores;
}

/** Which threshold applies to block k of a page: long, tail (after the last long paragraph) or other. */
export function blockGroup(texts: readonly string[], k: number): keyof Thresholds {
  if (wordCount(texts[k]!) >= LONG_BLOCK_WORDS) return 'longThreshold';
  let lastLong = -1;
  texts.forEach((t, i) => wordCount(t) >= LONG_WORDS && (lastLong = i));
  return k > lastLong ? 'tailThreshold' : 'threshold';
}

/**
 * Per group, the lowest threshold at which at most `maxLoss` of the article blocks the rules keep
 * would be dropped, from out-of-fold scores (of the pages from `sources`, all when absent).
 * Boilerplate caught is what the threshold buys.
 */
export function chooseThresholds(pages: readonly PageBlocks[], scores: readonly number[][], maxLoss: Thresholds, sources?: readonly string[]): Thresholds {
  const groups: Record<keyof Thresholds, { content: number[]; junk: number[] }> = {
    threshold: { content: [], junk: [] },
    longThreshold: { content: [], junk: [] },
    tailThreshold: { content: [], junk: [] },
  };
  pages.forEach((p, i) => {
    if (sources && !sources.includes(p.page.source)) return;
    const texts = p.candidates.blocks.map((b) => b.text);
    p.labels.forEach((label, k) => {
      if (label === null || p.candidates.rules[k]) return;
      groups[blockGroup(texts, k)][label === 0 ? 'content' : 'junk'].push(scores[i]![k]!);
    });
  });
  const out = { threshold: 0.5, longThreshold: 0.5, tailThreshold: 0.5 };
  for (const key of Object.keys(groups) as (keyof Thresholds)[]) {
    const content = groups[key].content.sort((a, b) => b - a);
    // The score of the article block just past the allowed loss; the threshold sits above it.
    const allowed = Math.floor(content.length * maxLoss[key]);
    const above = content[allowed] ?? 0;
    out[key] = Math.min(0.99, Math.max(FLOOR[key], Math.ceil((above + 1e-6) * 100) / 100));
  }
  return out;
}

/**
 * No threshold goes below these: a block needs clear evidence (0.6 costs about a point of leak
 * against 0.5 in cross-validation on our own pages, and keeps more article), and a long paragraph,
 * costly to lose, clearer still.
 */
const FLOOR: Thresholds = { threshold: 0.6, tailThreshold: 0.6, longThreshold: 0.75 };

export interface BlockModelResult {
  model: BlockModel;
  rows: number;
}

export function trainBlockModel(pages: readonly PageBlocks[], thresholds: Thresholds, opts: BlockTrainOptions = DEFAULT_BLOCK_TRAINING, weights: SourceWeights = {}, meta: Record<string, unknown> = {}): BlockModelResult {
  const rows = trainingRows(pages, weights);
  const { weights: w, bias } = trainBlockWeights(rows, opts);
  return { model: { hashBits: opts.hashBits, bias, ...thresholds, weights: w, meta }, rows: rows.length };
}

/** Per source, of the labelled blocks the rules keep: article blocks dropped and boilerplate caught. */
export function outOfFold(pages: readonly PageBlocks[], scores: readonly number[][], t: Thresholds): { lines: string[]; figures: Record<string, unknown> } {
  const per = new Map<string, { content: number; lost: number; junk: number; caught: number; ruled: number }>();
  pages.forEach((p, i) => {
    const s = per.get(p.page.source) ?? { content: 0, lost: 0, junk: 0, caught: 0, ruled: 0 };
    per.set(p.page.source, s);
    const texts = p.candidates.blocks.map((b) => b.text);
    p.labels.forEach((label, k) => {
      if (label === null) return;
      if (p.candidates.rules[k]) {
        if (label === 1) s.ruled++;
        return;
      }
      const drop = scores[i]![k]! >= t[blockGroup(texts, k)];
      if (label === 0) {
        s.content++;
        if (drop) s.lost++;
      } else {
        s.junk++;
        if (drop) s.caught++;
      }
    });
  });
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  const figures: Record<string, unknown> = {};
  const lines = ['out of fold, on the blocks the rules keep: article blocks dropped | boilerplate caught (and caught by the rules before)'];
  for (const [source, s] of per) {
    figures[source] = { articleBlocks: s.content, dropped: s.lost, boilerplateBlocks: s.junk, caught: s.caught, caughtByRules: s.ruled };
    lines.push(`  ${source.padEnd(16)} ${s.lost}/${s.content} (${pct(s.lost, s.content)}) | ${s.caught}/${s.junk} (${pct(s.caught, s.junk)})  (${s.ruled} by the rules)`);
  }
  return { lines, figures };
}

/**
 * How the shipped model is trained (scripts/train-boilerplate-model.ts, cv-boilerplate-model.ts):
 * newsflow's own pages, few but made for this, count three times; thresholds are chosen on news
 * pages only, since trafilatura-990's forums, shops and code blogs have short "article" lines (a
 * product name, a chorus line) that would hold every threshold up.
 */
export const SHIPPED_TRAINING = { weights: { newsflow: 3 } as SourceWeights, thresholdSources: ['fundus-dev', 'newsflow'] };

/** Default share of article blocks each threshold may drop, out of fold (see chooseThresholds). */
export const DEFAULT_MAX_LOSS: Thresholds = { threshold: 0.02, longThreshold: 0.002, tailThreshold: 0.05 };

/**
 * `newsflow train-boilerplate`: a model from folders of your own labelled pages, thresholds from
 * `folds`-fold cross-validation. Returns the model file and the out-of-fold report.
 */
export async function trainFromLabelledDirs(dirs: readonly string[], folds = 5): Promise<{ file: ReturnType<typeof encodeBlockModel>; lines: string[]; pages: number }> {
  const labelled = dirs.flatMap((d) => loadLabelledDir(d, path.basename(path.resolve(d))));
  const pages = await readPages(labelled, DEFAULT_BLOCK_TRAINING.hashBits);
  if (pages.length < 2) throw new Error(`need at least 2 labelled pages with an article, found ${pages.length} in ${dirs.join(', ')}`);
  const k = Math.min(folds, pages.length);
  const scores = crossValidatedScores(pages, k, DEFAULT_BLOCK_TRAINING);
  const thresholds = chooseThresholds(pages, scores, DEFAULT_MAX_LOSS);
  const report = outOfFold(pages, scores, thresholds);
  const { model } = trainBlockModel(pages, thresholds, DEFAULT_BLOCK_TRAINING, {}, { trainedOn: { pages: pages.length, dirs }, outOfFold: report.figures });
  return { file: encodeBlockModel(model), lines: [`thresholds: short ${thresholds.threshold}, tail ${thresholds.tailThreshold}, long ${thresholds.longThreshold}`, ...report.lines], pages: pages.length };
}
