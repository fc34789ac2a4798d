// The learned boilerplate classifier (boilerplate layer 5): a logistic regression over hashed
// block features (block-features.ts) giving each block the probability that it is boilerplate.
// The model is a plain JSON file (models/boilerplate.model.json, trained by
// scripts/train-boilerplate-model.ts or `newsflow train-boilerplate`): the weights training kept,
// int16-quantised and base64-packed, with the decision thresholds chosen on held-out folds.
// Pure: training and scoring take and return data; loadBlockModel reads one file, once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packagePath } from '../../shared/paths.js';
import { seededRandom } from '../../shared/random.js';
import { type BlockFeatures, FEATURE_VERSION } from './block-features.js';

export interface BlockModelFile {
  format: 'newsflow-boilerplate';
  version: 1;
  /** FEATURE_VERSION of the code that computed the training features. */
  features: number;
  hashBits: number;
  bias: number;
  /** A block scoring at or above this is dropped. */
  threshold: number;
  /** The threshold for a block of LONG_BLOCK_WORDS words or more: a long paragraph needs more evidence. */
  longThreshold: number;
  /** The threshold after the article's last long paragraph, where a run of short blocks is suspect. */
  tailThreshold: number;
  /** Weight = int16 * scale. */
  scale: number;
  /** Base64 Uint32Array of the buckets that carry a weight, ascending. */
  indices: string;
  /** Base64 Int16Array, parallel to indices. */
  weights: string;
  meta?: Record<string, unknown>;
}

export interface BlockModel {
  hashBits: number;
  bias: number;
  threshold: number;
  longThreshold: number;
  tailThreshold: number;
  weights: Float32Array;
  meta: Record<string, unknown>;
}

/** Blocks this long are judged against `longThreshold`. */
export const LONG_BLOCK_WORDS = 40;

export function defaultBlockModelPath(): string {
  return packagePath('models', 'boilerplate.model.json');
}

export function decodeBlockModel(file: BlockModelFile): BlockModel {
  if (file.format !== 'newsflow-boilerplate' || file.version !== 1) throw new Error('not a newsflow boilerplate model (format newsflow-boilerplate, version 1)');
  if (file.features !== FEATURE_VERSION) {
    throw new Error(`boilerplate model was trained on block features version ${file.features}, this newsflow computes version ${FEATURE_VERSION}: retrain it (newsflow train-boilerplate)`);
  }
  if (!Number.isInteger(file.hashBits) || file.hashBits < 8 || file.hashBits > 24) throw new Error('boilerplate model is corrupt: hashBits must be 8 to 24');
  const idx = Buffer.from(file.indices, 'base64');
  const w = Buffer.from(file.weights, 'base64');
  if (idx.byteLength % 4 || w.byteLength % 2) throw new Error('boilerplate model is corrupt: weights are not whole numbers of entries');
  const indices = new Uint32Array(idx.buffer.slice(idx.byteOffset, idx.byteOffset + idx.byteLength));
  const quantised = new Int16Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
  if (indices.length !== quantised.length) throw new Error('boilerplate model is corrupt: indices and weights differ in length');
  const weights = new Float32Array(1 << file.hashBits);
  indices.forEach((h, k) => {
    if (h >= weights.length) throw new Error('boilerplate model is corrupt: a bucket is out of range');
    weights[h] = quantised[k]! * file.scale;
  });
  return { hashBits: file.hashBits, bias: file.bias, threshold: file.threshold, longThreshold: file.longThreshold, tailThreshold: file.tailThreshold, weights, meta: file.meta ?? {} };
}

export function encodeBlockModel(model: BlockModel): BlockModelFile {
  let max = 0;
  for (const w of model.weights) max = Math.max(max, Math.abs(w));
  const scale = max / 32_767 || 1;
  const kept: number[] = [];
  const q: number[] = [];
  model.weights.forEach((w, h) => {
    const v = Math.round(w / scale);
    if (v !== 0) {
      kept.push(h);
      q.push(v);
    }
  });
  const b64 = (a: Uint32Array | Int16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return {
    format: 'newsflow-boilerplate',
    version: 1,
    features: FEATURE_VERSION,
    hashBits: model.hashBits,
    bias: model.bias,
    threshold: model.threshold,
    longThreshold: model.longThreshold,
    tailThreshold: model.tailThreshold,
    scale,
    indices: b64(Uint32Array.from(kept)),
    weights: b64(Int16Array.from(q)),
    meta: model.meta,
  };
}

/** ExtractOptions.blockModel for the config's `extract.model` (unset: the shipped model). */
export function blockModelOption(model: string | undefined): { blockModel?: string | null } {
  if (model === undefined) return {};
  return { blockModel: model === 'off' ? null : resolve(model) };
}

const cache = new Map<string, BlockModel>();

/** The model in `file` (the shipped one by default), read once per thread. */
export function loadBlockModel(file = defaultBlockModelPath()): BlockModel {
  let model = cache.get(file);
  if (!model) {
    let parsed: BlockModelFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as BlockModelFile;
    } catch (err) {
      throw new Error(`cannot read the boilerplate model ${file}: ${(err as Error).message}`, { cause: err });
    }
    model = decodeBlockModel(parsed);
    cache.set(file, model);
  }
  return model;
}

/** Probability that the block is boilerplate. */
export function scoreBlock(model: BlockModel, f: BlockFeatures): number {
  let z = model.bias;
  for (let k = 0; k < f.ids.length; k++) z += model.weights[f.ids[k]!]! * f.values[k]!;
  return 1 / (1 + Math.exp(-z));
}

// ---- Training ----

export interface TrainingBlock {
  features: BlockFeatures;
  /** 1 = boilerplate, 0 = article text. */
  label: 0 | 1;
  weight: number;
}

export interface BlockTrainOptions {
  hashBits: number;
  epochs: number;
  /** L2 penalty, applied to a weight each time its feature is seen. */
  l2: number;
  /** AdaGrad's base learning rate. */
  learningRate: number;
  seed: number;
}

export const DEFAULT_BLOCK_TRAINING: BlockTrainOptions = { hashBits: 18, epochs: 12, l2: 1e-5, learningRate: 0.2, seed: 7 };

/** Logistic regression by AdaGrad SGD (per-feature step sizes suit sparse hashed features). */
export function trainBlockWeights(rows: readonly TrainingBlock[], opts: BlockTrainOptions): { weights: Float32Array; bias: number } {
  const size = 1 << opts.hashBits;
  const w = new Float32Array(size);
  const g2 = new Float32Array(size);
  let bias = 0;
  let biasG2 = 0;
  const random = seededRandom(opts.seed);
  const order = rows.map((_, i) => i);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const r of order) {
      const { features: f, label, weight } = rows[r]!;
      let z = bias;
      for (let k = 0; k < f.ids.length; k++) z += w[f.ids[k]!]! * f.values[k]!;
      const p = 1 / (1 + Math.exp(-z));
      const err = (p - label) * weight;
      for (let k = 0; k < f.ids.length; k++) {
        const h = f.ids[k]!;
        const g = err * f.values[k]! + opts.l2 * w[h]!;
        g2[h]! += g * g;
        w[h]! -= (opts.learningRate * g) / (Math.sqrt(g2[h]!) + 1e-8);
      }
      biasG2 += err * err;
      bias -= (opts.learningRate * err) / (Math.sqrt(biasG2) + 1e-8);
    }
  }
  return { weights: w, bias };
}
