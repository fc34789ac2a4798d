// The topic model: hashed TF-IDF features (word uni+bigrams and, optionally, character n-grams
// inside words in a second hashed block) feeding a multinomial logistic regression trained by SGD.
// Training and prediction are pure; the model is a plain JSON object (int8 weights with one scale
// per label, stored only for the buckets training kept, base64-packed to keep the file small).
import { fnv1a, fromBase64Int8, fromBase64Uint8, STOPWORDS, toBase64, tokenize } from './text.js';
import { seededRandom } from '../../shared/random.js';

export interface TopicRow {
  text: string;
  label: string;
  /** Example weight (default 1): lets a small but clean source count for more. */
  weight?: number;
}

/** How text becomes features. Stored in the model, so prediction always sees what training saw. */
export interface FeatureConfig {
  /** log2 of the number of word buckets (unigrams and bigrams). */
  hashBits: number;
  /** Character n-gram lengths [min, max] inside space-padded words; null for words only. */
  charNgrams: [number, number] | null;
  /** log2 of the number of character buckets (a block of its own after the word block). */
  charHashBits: number;
  /** Weight of the character block against the word block; each block is L2-normalised first. */
  charWeight: number;
  /** A first line of at most 300 characters (a title) counts this many times. */
  titleWeight: number;
  /** Fold every digit to 0, so "2004" and "1998" share a feature. */
  foldDigits: boolean;
}

export interface TrainOptions extends Partial<FeatureConfig> {
  /** Buckets seen in fewer training documents are dropped (noise, and smaller files). */
  minDf?: number;
  epochs?: number;
  /** L2 penalty per example (SGD weight decay). */
  l2?: number;
  learningRate?: number;
  seed?: number;
  /**
   * Logistic regression only: independent SGD runs, each shuffling with its own seed (seed,
   * seed + 1, ...), whose weights are averaged into one model of the same size. Averaging
   * removes some of the run-to-run noise of SGD; training takes that many times longer (default 1).
   */
  runs?: number;
  /** 'logreg' (default) or 'nb' (multinomial naive Bayes on the same features, a baseline). */
  algorithm?: 'logreg' | 'nb';
  /**
   * Boost for class-discriminative terms (0 = plain idf). A term's weight is multiplied by
   * 1 + w * (1 - H(class | term) / log K): words spread evenly over classes keep their idf,
   * words concentrated in one class count up to 1 + w times more. It helps most with few rows.
   */
  supervisedWeight?: number;
  /** Rescale row weights so that every label carries the same total weight in the loss. */
  balanceClasses?: boolean;
  /** Free-form provenance stored in the model. */
  meta?: Record<string, unknown>;
}

/** The first format: word features only, one weight scale, a dense weight matrix. Still loads. */
export interface TopicModelV1 {
  format: 'newsflow-topics';
  version: 1;
  algorithm: 'logreg' | 'nb';
  labels: string[];
  hashBits: number;
  idf: string;
  idfScale: number;
  weights: string;
  weightScale: number;
  bias: number[];
  meta: Record<string, unknown>;
}

export interface TopicModelV2 {
  format: 'newsflow-topics';
  version: 2;
  algorithm: 'logreg' | 'nb';
  labels: string[];
  features: FeatureConfig;
  /** Per bucket (word block, then character block) term weight, uint8: weight = byte / idfScale; 0 = unused. */
  idf: string;
  idfScale: number;
  /** int8 rows [bucket][label] for the buckets with idf > 0, in bucket order; weight = byte * weightScales[label]. */
  weights: string;
  weightScales: number[];
  bias: number[];
  meta: Record<string, unknown>;
}

export type TopicModel = TopicModelV1 | TopicModelV2;

export interface TopicPrediction {
  label: string;
  score: number;
}

const DEFAULT_FEATURES: FeatureConfig = {
  hashBits: 18,
  charNgrams: null,
  charHashBits: 18,
  charWeight: 1,
  titleWeight: 1,
  foldDigits: false,
};
const TITLE_MAX = 300;
const BIGRAM_SEED = 0x9e3779b1;
const CHAR_SEED = 0x85ebca6b;

const bucketCount = (f: FeatureConfig): number => (1 << f.hashBits) + (f.charNgrams ? 1 << f.charHashBits : 0);

/** Word buckets (possibly repeated) for one text: unigrams plus bigrams of adjacent words. */
export function featureHashes(text: string, hashBits: number): number[] {
  const out: number[] = [];
  wordFeatures(tokenize(text), hashBits, (h) => out.push(h));
  return out;
}

function wordFeatures(toks: readonly string[], hashBits: number, emit: (h: number) => void): void {
  const mask = (1 << hashBits) - 1;
  let prev: string | null = null;
  for (const t of toks) {
    const stop = STOPWORDS.has(t);
    if (!stop && t.length > 1) emit(fnv1a(t) & mask);
    // A bigram of two function words ("of the") carries no topic; one content word is enough.
    if (prev !== null && !(stop && STOPWORDS.has(prev))) emit(fnv1a(prev + ' ' + t, BIGRAM_SEED) & mask);
    prev = t;
  }
}

/** Character n-grams of " word " hashed incrementally (FNV-1a), without building substrings. */
function charFeatures(toks: readonly string[], f: FeatureConfig, emit: (h: number) => void): void {
  const [lo, hi] = f.charNgrams!;
  const offset = 1 << f.hashBits;
  const mask = (1 << f.charHashBits) - 1;
  for (const t of toks) {
    const s = ' ' + t + ' ';
    for (let i = 0; i + lo <= s.length; i++) {
      let h = CHAR_SEED;
      for (let j = i; j < s.length && j - i < hi; j++) {
        h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
        if (j - i + 1 >= lo) emit(offset + ((h >>> 0) & mask));
      }
    }
  }
}

/**
 * Counts of one text's features in a scratch array reused across calls (one per bucket count):
 * `keys` lists the buckets in first-seen order, `count` reads them. Valid until the next call.
 * A Map here cost more than the hashing itself on full-length articles.
 */
interface ScratchCounts {
  keys: number[];
  count: Float64Array;
}
let scratch: ScratchCounts | null = null;

function countFeatures(text: string, f: FeatureConfig): ScratchCounts {
  const size = bucketCount(f);
  if (!scratch || scratch.count.length !== size) scratch = { keys: [], count: new Float64Array(size) };
  const { keys, count } = scratch;
  for (const h of keys) count[h] = 0;
  keys.length = 0;
  const addPart = (part: string, w: number) => {
    let toks = tokenize(part);
    if (f.foldDigits) toks = toks.map((t) => t.replace(/\d/g, '0'));
    const emit = (h: number) => {
      if (count[h] === 0) keys.push(h);
      count[h] = count[h]! + w;
    };
    wordFeatures(toks, f.hashBits, emit);
    if (f.charNgrams) charFeatures(toks, f, emit);
  };
  const nl = text.indexOf('\n');
  if (f.titleWeight !== 1 && nl > 0 && nl <= TITLE_MAX) {
    addPart(text.slice(0, nl), f.titleWeight);
    addPart(text.slice(nl + 1), 1);
  } else addPart(text, 1);
  return scratch;
}

/** Feature bucket -> (weighted) count for one text, in first-seen order. */
export function featureCounts(text: string, f: FeatureConfig): Map<number, number> {
  const { keys, count } = countFeatures(text, f);
  return new Map(keys.map((h) => [h, count[h]!]));
}

interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
}

/** Sublinear tf times idf; each block L2-normalised, the character block scaled, then the whole. */
function vectorize(keys: Iterable<number>, countOf: (h: number) => number, idf: (h: number) => number, f: FeatureConfig): SparseVec {
  const idx: number[] = [];
  const val: number[] = [];
  const wordB = 1 << f.hashBits;
  let wordNorm = 0;
  let charNorm = 0;
  for (const h of keys) {
    const c = countOf(h);
    const w = idf(h);
    if (w === 0) continue;
    const v = (1 + Math.log(c)) * w;
    idx.push(h);
    val.push(v);
    if (h < wordB) wordNorm += v * v;
    else charNorm += v * v;
  }
  const ws = wordNorm > 0 ? 1 / Math.sqrt(wordNorm) : 0;
  const cs = charNorm > 0 ? f.charWeight / Math.sqrt(charNorm) : 0;
  const total = Math.sqrt((ws > 0 ? 1 : 0) + (cs > 0 ? f.charWeight * f.charWeight : 0)) || 1;
  for (let i = 0; i < idx.length; i++) val[i] = (val[i]! * (idx[i]! < wordB ? ws : cs)) / total;
  return { idx: Int32Array.from(idx), val: Float32Array.from(val) };
}

function softmaxInPlace(z: Float64Array): void {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    z[i] = Math.exp(z[i]! - max);
    sum += z[i]!;
  }
  for (let i = 0; i < z.length; i++) z[i] = z[i]! / sum;
}

export function trainTopicModel(rows: readonly TopicRow[], opts: TrainOptions = {}): TopicModelV2 {
  const features: FeatureConfig = {
    hashBits: opts.hashBits ?? DEFAULT_FEATURES.hashBits,
    charNgrams: opts.charNgrams ?? DEFAULT_FEATURES.charNgrams,
    charHashBits: opts.charHashBits ?? DEFAULT_FEATURES.charHashBits,
    charWeight: opts.charWeight ?? DEFAULT_FEATURES.charWeight,
    titleWeight: opts.titleWeight ?? DEFAULT_FEATURES.titleWeight,
    foldDigits: opts.foldDigits ?? DEFAULT_FEATURES.foldDigits,
  };
  for (const bits of [features.hashBits, features.charHashBits]) {
    if (bits < 10 || bits > 22) throw new RangeError(`hashBits and charHashBits must be 10..22, got ${bits}`);
  }
  const cn = features.charNgrams;
  if (cn && !(cn[0] >= 1 && cn[1] >= cn[0] && cn[1] <= 8)) throw new RangeError(`charNgrams must be [min, max] within 1..8`);
  const minDf = opts.minDf ?? 2;
  const algorithm = opts.algorithm ?? 'logreg';
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  if (labels.length < 2) throw new Error(`need at least two labels to train, got ${labels.length}`);
  const K = labels.length;
  const B = bucketCount(features);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));

  const counts = rows.map((r) => featureCounts(r.text, features));
  const df = new Uint32Array(B);
  for (const c of counts) for (const h of c.keys()) df[h]!++;
  const N = rows.length;
  const y = rows.map((r) => labelIndex.get(r.label)!);
  const gain = supervisedGain(counts, y, K, B, opts.supervisedWeight ?? 1);
  const raw = new Float32Array(B);
  let maxIdf = 0;
  for (let h = 0; h < B; h++) {
    if (df[h]! < minDf) continue;
    raw[h] = (Math.log((1 + N) / (1 + df[h]!)) + 1) * gain[h]!;
    maxIdf = Math.max(maxIdf, raw[h]!);
  }
  const idfScale = 255 / (maxIdf || 1);
  const idf = Uint8Array.from(raw, (v) => (v === 0 ? 0 : Math.max(1, Math.round(v * idfScale))));
  const X = counts.map((c) => vectorize(c.keys(), (h) => c.get(h)!, (h) => idf[h]! / idfScale, features));
  let sw = rows.map((r) => r.weight ?? 1);
  if (opts.balanceClasses) sw = balance(sw, y, K);

  const W = new Float32Array(B * K);
  const bias = new Float64Array(K);
  if (algorithm === 'nb') trainNb(X, y, K, W, bias);
  else {
    const runs = opts.runs ?? 1;
    if (!(Number.isInteger(runs) && runs >= 1)) throw new RangeError(`runs must be a positive integer, got ${runs}`);
    if (runs === 1) trainLogreg(X, y, sw, K, W, bias, opts);
    else {
      const Wr = new Float32Array(B * K);
      const br = new Float64Array(K);
      for (let r = 0; r < runs; r++) {
        Wr.fill(0);
        br.fill(0);
        trainLogreg(X, y, sw, K, Wr, br, { ...opts, seed: (opts.seed ?? 42) + r });
        for (let i = 0; i < W.length; i++) W[i] = W[i]! + Wr[i]! / runs;
        for (let k = 0; k < K; k++) bias[k] = bias[k]! + br[k]! / runs;
      }
    }
  }

  // Only buckets that survived minDf carry weights; one int8 scale per label.
  const used: number[] = [];
  for (let h = 0; h < B; h++) if (idf[h]! > 0) used.push(h);
  const weightScales = labels.map((_, k) => {
    let maxAbs = 0;
    for (const h of used) maxAbs = Math.max(maxAbs, Math.abs(W[h * K + k]!));
    return maxAbs / 127 || 1;
  });
  const q = new Int8Array(used.length * K);
  used.forEach((h, r) => {
    for (let k = 0; k < K; k++) q[r * K + k] = Math.round(W[h * K + k]! / weightScales[k]!);
  });
  return {
    format: 'newsflow-topics',
    version: 2,
    algorithm,
    labels,
    features,
    idf: toBase64(idf),
    idfScale,
    weights: toBase64(q),
    weightScales,
    bias: Array.from(bias, (b) => Math.round(b * 1e4) / 1e4),
    meta: { rows: N, trainedAt: new Date().toISOString(), ...opts.meta },
  };
}

/** Row weights rescaled so each label's total equals the mean label total. */
function balance(sw: number[], y: number[], K: number): number[] {
  const totals = new Float64Array(K);
  sw.forEach((w, n) => (totals[y[n]!]! += w));
  const mean = totals.reduce((a, b) => a + b, 0) / K;
  return sw.map((w, n) => (w * mean) / totals[y[n]!]!);
}

/** Per-bucket multiplier from how concentrated a term's documents are in one class. */
function supervisedGain(counts: Map<number, number>[], y: number[], K: number, B: number, w: number): Float32Array {
  const gain = new Float32Array(B).fill(1);
  if (w === 0) return gain;
  const perClass = new Float32Array(B * K);
  const classDocs = new Float64Array(K);
  counts.forEach((c, n) => {
    const k = y[n]!;
    classDocs[k]!++;
    for (const h of c.keys()) perClass[h * K + k]!++;
  });
  const logK = Math.log(K);
  const p = new Float64Array(K);
  for (let h = 0; h < B; h++) {
    let sum = 0;
    let seen = 0;
    for (let k = 0; k < K; k++) {
      seen += perClass[h * K + k]!;
      // Rates, not counts, so a big class does not look like the "home" of every word.
      p[k] = (perClass[h * K + k]! + 0.5) / (classDocs[k]! + 1);
      sum += p[k]!;
    }
    if (seen === 0) continue;
    let H = 0;
    for (let k = 0; k < K; k++) {
      const q = p[k]! / sum;
      H -= q * Math.log(q);
    }
    gain[h] = 1 + w * (1 - H / logK);
  }
  return gain;
}

function trainLogreg(
  X: SparseVec[],
  y: number[],
  sw: number[],
  K: number,
  W: Float32Array,
  bias: Float64Array,
  opts: TrainOptions,
): void {
  const epochs = opts.epochs ?? 30;
  const l2 = opts.l2 ?? 1e-5;
  const lr0 = opts.learningRate ?? 0.5;
  const rand = seededRandom(opts.seed ?? 42);
  const order = X.map((_, i) => i);
  const p = new Float64Array(K);
  // W_true = scale * W: weight decay becomes one multiply per step instead of a pass over W.
  let scale = 1;
  let t = 0;
  const total = epochs * X.length;
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const n of order) {
      const lrBase = lr0 * (1 - t / total) + 1e-4;
      const lr = lrBase * sw[n]!;
      t++;
      const { idx, val } = X[n]!;
      for (let k = 0; k < K; k++) p[k] = bias[k]!;
      for (let f = 0; f < idx.length; f++) {
        const base = idx[f]! * K;
        const v = val[f]! * scale;
        for (let k = 0; k < K; k++) p[k] = p[k]! + W[base + k]! * v;
      }
      softmaxInPlace(p);
      p[y[n]!] = p[y[n]!]! - 1;
      scale *= 1 - lrBase * l2;
      const step = lr / scale;
      for (let f = 0; f < idx.length; f++) {
        const base = idx[f]! * K;
        const v = val[f]! * step;
        for (let k = 0; k < K; k++) W[base + k] = W[base + k]! - p[k]! * v;
      }
      for (let k = 0; k < K; k++) bias[k] = bias[k]! - lr * p[k]!;
      if (scale < 1e-6) {
        for (let i = 0; i < W.length; i++) W[i] = W[i]! * scale;
        scale = 1;
      }
    }
  }
  for (let i = 0; i < W.length; i++) W[i] = W[i]! * scale;
}

/** Multinomial NB on the TF-IDF features (Laplace smoothing): the in-run baseline. */
function trainNb(X: SparseVec[], y: number[], K: number, W: Float32Array, bias: Float64Array): void {
  const B = W.length / K;
  const classTotals = new Float64Array(K);
  const classDocs = new Float64Array(K);
  const sums = new Float64Array(B * K);
  for (let n = 0; n < X.length; n++) {
    const k = y[n]!;
    classDocs[k]!++;
    const { idx, val } = X[n]!;
    for (let f = 0; f < idx.length; f++) {
      sums[idx[f]! * K + k]! += val[f]!;
      classTotals[k]! += val[f]!;
    }
  }
  const alpha = 0.05;
  for (let k = 0; k < K; k++) {
    const denom = Math.log(classTotals[k]! + alpha * B);
    for (let h = 0; h < B; h++) W[h * K + k] = Math.log(sums[h * K + k]! + alpha) - denom;
    bias[k] = Math.log(classDocs[k]! / X.length);
  }
}

interface LoadedModel {
  labels: string[];
  features: FeatureConfig;
  idf: Uint8Array;
  idfScale: number;
  /** Bucket -> row of `weights`, -1 when the bucket has none. */
  rowOf: Int32Array;
  weights: Int8Array;
  weightScales: Float64Array;
  bias: number[];
  algorithm: 'logreg' | 'nb';
}

// Decoding base64 costs ~10 ms per model; do it once per model object.
const loaded = new WeakMap<TopicModel, LoadedModel>();

function decode(model: TopicModel): LoadedModel {
  const K = model.labels.length;
  const common = { labels: model.labels, idfScale: model.idfScale, bias: model.bias, algorithm: model.algorithm };
  if (model.version === 1) {
    const features: FeatureConfig = { ...DEFAULT_FEATURES, hashBits: model.hashBits };
    const B = bucketCount(features);
    const m: LoadedModel = {
      ...common,
      features,
      idf: fromBase64Uint8(model.idf),
      rowOf: Int32Array.from({ length: B }, (_, h) => h),
      weights: fromBase64Int8(model.weights),
      weightScales: new Float64Array(K).fill(model.weightScale),
    };
    if (m.idf.length !== B || m.weights.length !== B * K) throw new Error('topic model is corrupt: array sizes do not match hashBits and labels');
    return m;
  }
  const idf = fromBase64Uint8(model.idf);
  const B = bucketCount(model.features);
  if (idf.length !== B) throw new Error('topic model is corrupt: idf size does not match its feature config');
  const rowOf = new Int32Array(B).fill(-1);
  let rows = 0;
  for (let h = 0; h < B; h++) if (idf[h]! > 0) rowOf[h] = rows++;
  const weights = fromBase64Int8(model.weights);
  if (weights.length !== rows * K || model.weightScales.length !== K) {
    throw new Error('topic model is corrupt: weight rows do not match the used buckets and labels');
  }
  return { ...common, features: model.features, idf, rowOf, weights, weightScales: Float64Array.from(model.weightScales) };
}

function load(model: TopicModel): LoadedModel {
  let m = loaded.get(model);
  if (!m) {
    const { format, version } = model as { format?: unknown; version?: unknown };
    if (format !== 'newsflow-topics') throw new Error(`not a newsflow topic model (format ${String(format)})`);
    if (version !== 1 && version !== 2) {
      throw new Error(`topic model version ${String(version)} is not supported (this newsflow reads versions 1 and 2); retrain it with \`newsflow train\``);
    }
    m = decode(model);
    loaded.set(model, m);
  }
  return m;
}

/**
 * The first `maxChars` characters of `text`, cut at the last whitespace before the limit (or at
 * the limit when a single word runs past it); the whole text when it is short enough.
 */
export function leadingText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars + 1).search(/\s\S*$/);
  return text.slice(0, cut > 0 ? cut : maxChars);
}

/** Every label with its probability, best first. */
export function predictTopics(model: TopicModel, text: string): TopicPrediction[] {
  const m = load(model);
  const K = m.labels.length;
  const { keys, count } = countFeatures(text, m.features);
  const x = vectorize(keys, (h) => count[h]!, (h) => m.idf[h]! / m.idfScale, m.features);
  const z = new Float64Array(K);
  for (let k = 0; k < K; k++) z[k] = m.bias[k]!;
  for (let f = 0; f < x.idx.length; f++) {
    const base = m.rowOf[x.idx[f]!]! * K;
    const v = x.val[f]!;
    for (let k = 0; k < K; k++) z[k] = z[k]! + m.weights[base + k]! * m.weightScales[k]! * v;
  }
  if (m.algorithm === 'nb' && x.idx.length === 0) z.fill(0);
  softmaxInPlace(z);
  return m.labels
    .map((label, k) => ({ label, score: z[k]! }))
    .sort((a, b) => b.score - a.score);
}
