// The topic model: hashed TF-IDF over word uni+bigrams (sublinear tf, L2-normalised) feeding a
// multinomial logistic regression trained by SGD. Training and prediction are pure; the model is
// a plain JSON object (weights quantised to int8 and base64-packed to keep the file small).
import { fnv1a, fromBase64Int8, fromBase64Uint8, STOPWORDS, toBase64, tokenize } from './text.js';

export interface TopicRow {
  text: string;
  label: string;
  /** Example weight (default 1): lets a small but clean source count for more. */
  weight?: number;
}

export interface TrainOptions {
  /** log2 of the number of feature buckets; 2^18 keeps collisions rare and the file ~2 MB. */
  hashBits?: number;
  /** Buckets seen in fewer training documents are dropped (noise, and smaller files). */
  minDf?: number;
  epochs?: number;
  /** L2 penalty per example (SGD weight decay). */
  l2?: number;
  learningRate?: number;
  seed?: number;
  /** 'logreg' (default) or 'nb' (multinomial naive Bayes on the same features, a baseline). */
  algorithm?: 'logreg' | 'nb';
  /**
   * Boost for class-discriminative terms (0 = plain idf). A term's weight is multiplied by
   * 1 + w * (1 - H(class | term) / log K): words spread evenly over classes keep their idf,
   * words concentrated in one class count up to 1 + w times more. It helps most with few rows.
   */
  supervisedWeight?: number;
  /** Free-form provenance stored in the model. */
  meta?: Record<string, unknown>;
}

export interface TopicModel {
  format: 'newsflow-topics';
  version: 1;
  algorithm: 'logreg' | 'nb';
  labels: string[];
  hashBits: number;
  /** Per bucket term weight (idf x class gain), quantised: weight = byte / idfScale; 0 = unused. */
  idf: string;
  idfScale: number;
  /** Row-major [bucket][label] int8 weights; real weight = byte * weightScale. */
  weights: string;
  weightScale: number;
  bias: number[];
  meta: Record<string, unknown>;
}

export interface TopicPrediction {
  label: string;
  score: number;
}


/** Feature buckets (possibly repeated) for one text: unigrams plus bigrams of adjacent words. */
export function featureHashes(text: string, hashBits: number): number[] {
  const mask = (1 << hashBits) - 1;
  const toks = tokenize(text);
  const out: number[] = [];
  let prev: string | null = null;
  for (const t of toks) {
    const stop = STOPWORDS.has(t);
    if (!stop && t.length > 1) out.push(fnv1a(t) & mask);
    // A bigram of two function words ("of the") carries no topic; one content word is enough.
    if (prev !== null && !(stop && STOPWORDS.has(prev))) out.push(fnv1a(prev + ' ' + t, 0x9e3779b1) & mask);
    prev = t;
  }
  return out;
}

interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
}

function termCounts(text: string, hashBits: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const h of featureHashes(text, hashBits)) counts.set(h, (counts.get(h) ?? 0) + 1);
  return counts;
}

/** Sublinear tf times idf, L2-normalised; buckets with idf 0 are dropped. */
function vectorize(counts: Map<number, number>, idf: ArrayLike<number>): SparseVec {
  const idx: number[] = [];
  const val: number[] = [];
  let norm = 0;
  for (const [h, c] of counts) {
    const w = idf[h] ?? 0;
    if (w === 0) continue;
    const v = (1 + Math.log(c)) * w;
    idx.push(h);
    val.push(v);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  return { idx: Int32Array.from(idx), val: Float32Array.from(val, (v) => v / norm) };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

export function trainTopicModel(rows: readonly TopicRow[], opts: TrainOptions = {}): TopicModel {
  const hashBits = opts.hashBits ?? 18;
  const minDf = opts.minDf ?? 2;
  const algorithm = opts.algorithm ?? 'logreg';
  if (hashBits < 10 || hashBits > 24) throw new RangeError(`hashBits must be 10..24, got ${hashBits}`);
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  if (labels.length < 2) throw new Error(`need at least two labels to train, got ${labels.length}`);
  const K = labels.length;
  const B = 1 << hashBits;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));

  const counts = rows.map((r) => termCounts(r.text, hashBits));
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
  const idfReal = Float32Array.from(idf, (q) => q / idfScale);
  const X = counts.map((c) => vectorize(c, idfReal));
  const sw = rows.map((r) => r.weight ?? 1);

  const W = new Float32Array(B * K);
  const bias = new Float64Array(K);
  if (algorithm === 'nb') trainNb(X, y, K, W, bias);
  else trainLogreg(X, y, sw, K, W, bias, opts);

  let maxAbs = 0;
  for (const w of W) maxAbs = Math.max(maxAbs, Math.abs(w));
  const weightScale = maxAbs / 127 || 1;
  const q = new Int8Array(B * K);
  for (let i = 0; i < W.length; i++) q[i] = Math.round(W[i]! / weightScale);
  return {
    format: 'newsflow-topics',
    version: 1,
    algorithm,
    labels,
    hashBits,
    idf: toBase64(idf),
    idfScale,
    weights: toBase64(q),
    weightScale,
    bias: Array.from(bias, (b) => Math.round(b * 1e4) / 1e4),
    meta: { rows: N, trainedAt: new Date().toISOString(), ...opts.meta },
  };
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
  const rand = mulberry32(opts.seed ?? 42);
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
  hashBits: number;
  idf: Uint8Array;
  weights: Int8Array;
  weightScale: number;
  idfScale: number;
  bias: number[];
  algorithm: 'logreg' | 'nb';
}

// Decoding base64 costs ~10 ms per model; do it once per model object.
const loaded = new WeakMap<TopicModel, LoadedModel>();

function load(model: TopicModel): LoadedModel {
  let m = loaded.get(model);
  if (!m) {
    if (model.format !== 'newsflow-topics' || model.version !== 1) {
      throw new Error(`not a newsflow topic model (format ${String(model.format)} v${String(model.version)})`);
    }
    m = {
      labels: model.labels,
      hashBits: model.hashBits,
      idf: fromBase64Uint8(model.idf),
      weights: fromBase64Int8(model.weights),
      weightScale: model.weightScale,
      idfScale: model.idfScale,
      bias: model.bias,
      algorithm: model.algorithm,
    };
    const B = 1 << m.hashBits;
    if (m.idf.length !== B || m.weights.length !== B * m.labels.length) {
      throw new Error('topic model is corrupt: array sizes do not match hashBits and labels');
    }
    loaded.set(model, m);
  }
  return m;
}

/** Every label with its probability, best first. */
export function predictTopics(model: TopicModel, text: string): TopicPrediction[] {
  const m = load(model);
  const K = m.labels.length;
  const counts = termCounts(text, m.hashBits);
  const z = new Float64Array(K);
  for (let k = 0; k < K; k++) z[k] = m.bias[k]!;
  let norm = 0;
  const feats: [number, number][] = [];
  for (const [h, c] of counts) {
    const q = m.idf[h]!;
    if (q === 0) continue;
    const v = (1 + Math.log(c)) * (q / m.idfScale);
    feats.push([h, v]);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [h, v] of feats) {
    const base = h * K;
    const x = (v / norm) * m.weightScale;
    for (let k = 0; k < K; k++) z[k] = z[k]! + m.weights[base + k]! * x;
  }
  if (m.algorithm === 'nb' && feats.length === 0) z.fill(0);
  softmaxInPlace(z);
  return m.labels
    .map((label, k) => ({ label, score: z[k]! }))
    .sort((a, b) => b.score - a.score);
}
