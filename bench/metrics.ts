// Extraction quality metrics, as defined in ../shared/data/README.md: shingle F1 (scrapinghub's
// article-extraction benchmark) and trafilatura's snippet precision/recall.

import { wordKey } from '../src/workers/readability/block-training.js';

const WORD = /[\p{L}\p{N}_]+/gu;

function shingles(text: string, n = 4): Map<string, number> {
  const words = text.match(WORD) ?? [];
  const out = new Map<string, number>();
  const last = Math.max(1, words.length - n + 1);
  for (let i = 0; i < last; i++) {
    const s = words.slice(i, i + n);
    if (s.length === 0) continue;
    const key = s.join('\u0001');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Per-page true/false positive and false negative shares (normalised to sum to 1). */
export function shingleCounts(gold: string, pred: string): { tp: number; fp: number; fn: number } {
  const g = shingles(gold);
  const p = shingles(pred);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [k, pc] of p) {
    const gc = g.get(k) ?? 0;
    tp += Math.min(gc, pc);
    fp += Math.max(0, pc - gc);
  }
  for (const [k, gc] of g) fn += Math.max(0, gc - (p.get(k) ?? 0));
  const sum = tp + fp + fn;
  return sum > 0 ? { tp: tp / sum, fp: fp / sum, fn: fn / sum } : { tp: 0, fp: 0, fn: 0 };
}

export interface PageScore {
  precision: number | null;
  recall: number | null;
  f1: number;
}

function pageScore(gold: string, pred: string): PageScore {
  const c = shingleCounts(gold, pred);
  const precision = pred.trim() ? (c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0) : null;
  const recall = gold.trim() ? (c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0) : null;
  const p = precision ?? 0;
  const r = recall ?? 0;
  return { precision, recall, f1: p + r > 0 ? (2 * p * r) / (p + r) : 0 };
}

/** Scores one page against its gold paragraphs; `[...]` paragraphs are optional. */
export function scoreFundusPage(body: readonly string[], pred: string): PageScore {
  const optional = (p: string) => p.startsWith('[') && p.endsWith(']');
  const withOpt = body.map((p) => (optional(p) ? p.slice(1, -1) : p)).join('\n');
  const without = body.filter((p) => !optional(p)).join('\n');
  const a = pageScore(withOpt, pred);
  if (withOpt === without) return a;
  const b = pageScore(without, pred);
  return b.f1 > a.f1 ? b : a;
}

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

/** Precision averaged over pages with output, recall over pages with gold; F1 of the two means. */
export function aggregateShingles(scores: readonly PageScore[]): Prf {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const precision = mean(scores.flatMap((s) => (s.precision === null ? [] : [s.precision])));
  const recall = mean(scores.flatMap((s) => (s.recall === null ? [] : [s.recall])));
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

export interface SnippetCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

export function snippetCounts(output: string, withs: readonly string[], withouts: readonly string[]): SnippetCounts {
  const text = squash(output);
  const c: SnippetCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const s of withs) {
    if (text.includes(squash(s))) c.tp++;
    else c.fn++;
  }
  for (const s of withouts) {
    if (text.includes(squash(s))) c.fp++;
    else c.tn++;
  }
  return c;
}

/** Micro-averaged over all pages. */
export function aggregateSnippets(counts: readonly SnippetCounts[]): Prf {
  const t = counts.reduce(
    (a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, tn: a.tn + c.tn, fn: a.fn + c.fn }),
    { tp: 0, fp: 0, tn: 0, fn: 0 },
  );
  const precision = t.tp + t.fp ? t.tp / (t.tp + t.fp) : 0;
  const recall = t.tp + t.fn ? t.tp / (t.tp + t.fn) : 0;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/**
 * Block metrics on pages labelled with article blocks and boilerplate blocks (newsflow's own sets,
 * test/fixtures/boilerplate): paragraph recall is the share of article blocks whose words appear
 * in the output, in one run; boilerplate leak the share of boilerplate blocks that come through.
 * Output is compared line by line. A boilerplate block of one or two words leaks only as a line of
 * its own (a word like "Advertisement" may stand inside a sentence), a longer one wherever its
 * words stand; an article block of three words or fewer (a subheading) is found only as a line of
 * its own, a longer one wherever its words stand in order.
 */
export interface BlockCounts {
  content: number;
  found: number;
  boilerplate: number;
  leaked: number;
  /** The blocks counted as leaked and as missing, for reports. */
  leakedText: string[];
  missingText: string[];
}


export function blockCounts(paragraphs: readonly string[], content: readonly string[], boilerplate: readonly string[]): BlockCounts {
  // Lines, so a multi-line paragraph's lines count alone and every caller splits the same way.
  const keys = paragraphs.flatMap((p) => p.split(/\n+/)).map(wordKey);
  const all = ` ${keys.join(' ')} `;
  const inText = (k: string) => k.length > 0 && all.includes(` ${k} `);
  const c: BlockCounts = { content: 0, found: 0, boilerplate: 0, leaked: 0, leakedText: [], missingText: [] };
  for (const entry of content) {
    const k = wordKey(entry);
    if (!k) continue;
    c.content++;
    // A subheading of a few words must stand as a line of its own: its words alone occur anywhere.
    if (k.split(' ').length <= 3 ? keys.includes(k) : inText(k)) c.found++;
    else c.missingText.push(entry);
  }
  for (const entry of boilerplate) {
    const k = wordKey(entry);
    if (!k) continue;
    c.boilerplate++;
    const leaked = k.split(' ').length <= 2 ? keys.includes(k) : inText(k);
    if (leaked) {
      c.leaked++;
      c.leakedText.push(entry);
    }
  }
  return c;
}

export interface BlockScore {
  pages: number;
  paragraphRecall: number;
  boilerplateLeak: number;
}

/** Micro-averaged over all blocks of all pages. */
export function aggregateBlocks(counts: readonly BlockCounts[]): BlockScore {
  const sum = (f: (c: BlockCounts) => number) => counts.reduce((n, c) => n + f(c), 0);
  return {
    pages: counts.length,
    paragraphRecall: sum((c) => c.found) / Math.max(1, sum((c) => c.content)),
    boilerplateLeak: sum((c) => c.leaked) / Math.max(1, sum((c) => c.boilerplate)),
  };
}
