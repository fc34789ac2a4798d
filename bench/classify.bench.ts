// Classify-stage benchmark: topic accuracy / macro-F1 (BBC hold-out, AG dev), speed, and story
// clustering quality (B-cubed, pairwise F1) on ../shared/data, each beside an in-run baseline;
// then the story index's assignment rate on Redis (REDIS_URL, else 127.0.0.1:6379).
// `npm run bench:classify` (add `--quick` to skip retraining and use the shipped model only).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classifyArticle, predictArticleTopics } from '../src/workers/classify/classify.js';
import { extractEntities } from '../src/workers/classify/entities.js';
import { Redis } from 'ioredis';
import { assignStory, storyTerms, type ClusterOptions, type StoryIndex } from '../src/workers/classify/story-cluster.js';
import { MemoryStoryIndex } from '../src/workers/classify/story-index.memory.js';
import { RedisStoryIndex } from '../src/workers/classify/story-index.redis.js';
import { TAXONOMY_TO_AG, TAXONOMY_TO_BBC } from '../src/workers/classify/taxonomy.js';
import { trainTopicModel, type TopicModel } from '../src/workers/classify/topic-model.js';
import { DEFAULT_TRAIN_OPTIONS, defaultModelPath, loadTopicModel, topicSplit } from '../src/workers/classify/train.js';
import { cleanupPrefix } from '../test/helpers/redis.js';

const DATA = resolve(process.env.NEWSFLOW_DATA ?? join(process.cwd(), '../shared/data'));
if (!existsSync(join(DATA, 'topics', 'bbc.jsonl'))) {
  console.log(`skipped: development data not found at ${DATA} (set NEWSFLOW_DATA)`);
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const f3 = (x: number) => x.toFixed(3);

// ---------------- topics ----------------
function scores(gold: string[], pred: (string | null)[]): { acc: number; macroF1: number } {
  const labels = [...new Set(gold)];
  let ok = 0;
  gold.forEach((g, i) => (ok += g === pred[i] ? 1 : 0));
  const f1s = labels.map((l) => {
    let tp = 0, fp = 0, fn = 0;
    gold.forEach((g, i) => {
      if (pred[i] === l && g === l) tp++;
      else if (pred[i] === l) fp++;
      else if (g === l) fn++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return { acc: ok / gold.length, macroF1: f1s.reduce((a, b) => a + b, 0) / labels.length };
}

const split = topicSplit(join(DATA, 'topics'));
type Predict = (text: string) => string;
// As the pipeline predicts: from the start of long texts (TOPIC_TEXT_CHARS).
const fromModel = (m: TopicModel): Predict => (t) => predictArticleTopics(m, t)[0]!.label;
const majority = (() => {
  const counts = new Map<string, number>();
  for (const r of split.train) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  return (): string => top;
})();

function evalTopics(name: string, predict: Predict): void {
  const bbc = scores(split.bbcHoldout.map((r) => r.label), split.bbcHoldout.map((r) => TAXONOMY_TO_BBC[predict(r.text)] ?? null));
  const ag = scores(split.agDev.map((r) => r.label), split.agDev.map((r) => TAXONOMY_TO_AG[predict(r.text)] ?? null));
  console.log(`  ${name.padEnd(34)} BBC acc ${f3(bbc.acc)} macro-F1 ${f3(bbc.macroF1)} | AG acc ${f3(ag.acc)} macro-F1 ${f3(ag.macroF1)}`);
}

console.log(`topics: train ${split.train.length} rows, BBC hold-out ${split.bbcHoldout.length}, AG dev ${split.agDev.length}`);
console.log('  (predictions mapped back: world/politics -> AG World, entertainment -> error on AG; world -> error on BBC)');
const shipped = loadTopicModel(defaultModelPath());
evalTopics('majority class (baseline)', majority);
if (!quick) {
  evalTopics('multinomial NB, same features (baseline)', fromModel(trainTopicModel(split.train, { ...DEFAULT_TRAIN_OPTIONS, algorithm: 'nb', supervisedWeight: 0 })));
  evalTopics('logreg words only (previous default)', fromModel(trainTopicModel(split.train, { ...DEFAULT_TRAIN_OPTIONS, charNgrams: null })));
  evalTopics('logreg retrained in-run', fromModel(trainTopicModel(split.train, DEFAULT_TRAIN_OPTIONS)));
}
evalTopics('logreg shipped models/topics.model.json', fromModel(shipped));

const times: number[] = [];
const sample = [...split.bbcHoldout, ...split.agDev];
classifyArticle({ title: null, text: sample[0]!.text }, { model: shipped });
for (const r of sample) {
  const [title, ...rest] = r.text.split('\n');
  const t0 = performance.now();
  classifyArticle({ title: title ?? null, text: rest.join('\n') }, { model: shipped });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const bbcLen = split.bbcHoldout.reduce((s, r) => s + r.text.length, 0) / split.bbcHoldout.length;
console.log(`  classifyArticle: median ${f3(times[times.length >> 1]!)} ms, p95 ${f3(times[Math.floor(times.length * 0.95)]!)} ms per article (${sample.length} articles; BBC ones average ${Math.round(bbcLen)} chars)`);

// ---------------- stories ----------------
interface Row { id: string; title: string; text: string; source: string; published: string; story: string }
const rows: Row[] = readFileSync(join(DATA, 'stories', 'uci_dev.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Row)
  .sort((a, b) => Date.parse(a.published) - Date.parse(b.published));

function clusterScores(pred: Map<string, string>): { P: number; R: number; F: number; pairF: number } {
  const members = (m: Map<string, string>) => {
    const out = new Map<string, string[]>();
    for (const [id, c] of m) (out.get(c) ?? out.set(c, []).get(c)!).push(id);
    return out;
  };
  const gold = new Map(rows.map((r) => [r.id, r.story]));
  const pc = members(pred);
  const gc = members(gold);
  let P = 0, R = 0;
  for (const r of rows) {
    const p = pc.get(pred.get(r.id)!)!;
    const g = new Set(gc.get(r.story)!);
    const inter = p.filter((x) => g.has(x)).length;
    P += inter / p.length;
    R += inter / g.size;
  }
  P /= rows.length;
  R /= rows.length;
  // Pairwise: same-cluster pairs shared by prediction and gold.
  let both = 0, predPairs = 0, goldPairs = 0;
  for (const ids of pc.values()) {
    predPairs += (ids.length * (ids.length - 1)) / 2;
    const byGold = new Map<string, number>();
    for (const id of ids) byGold.set(gold.get(id)!, (byGold.get(gold.get(id)!) ?? 0) + 1);
    for (const n of byGold.values()) both += (n * (n - 1)) / 2;
  }
  for (const ids of gc.values()) goldPairs += (ids.length * (ids.length - 1)) / 2;
  const pp = predPairs ? both / predPairs : 0;
  const pr = goldPairs ? both / goldPairs : 0;
  return { P, R, F: (2 * P * R) / (P + R), pairF: pp + pr ? (2 * pp * pr) / (pp + pr) : 0 };
}

function report(name: string, pred: Map<string, string>, ms: number): void {
  const s = clusterScores(pred);
  console.log(`  ${name.padEnd(44)} B3 P ${f3(s.P)} R ${f3(s.R)} F1 ${f3(s.F)} | pairwise F1 ${f3(s.pairF)} | ${Math.round(rows.length / (ms / 1000))} articles/s`);
}

/** Baseline: greedy single pass, TF-IDF cosine against every article of the last 72 h (a scan). */
function greedyBaseline(threshold: number): Map<string, string> {
  const df = new Map<string, number>();
  const seen: { id: string; t: number; v: Map<string, number>; story: string }[] = [];
  const pred = new Map<string, string>();
  for (const r of rows) {
    const tf = storyTerms(r.title, r.text);
    for (const k of Object.keys(tf)) df.set(k, (df.get(k) ?? 0) + 1);
    const n = seen.length + 1;
    const v = new Map(Object.entries(tf).map(([k, c]) => [k, c * Math.log((n + 1) / (df.get(k)! + 1) + 1)]));
    const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)) || 1;
    for (const [k, x] of v) v.set(k, x / norm);
    const t = Date.parse(r.published);
    let best: (typeof seen)[number] | null = null;
    let bestS = 0;
    for (let i = seen.length - 1; i >= 0 && seen[i]!.t >= t - 72 * 3_600_000; i--) {
      let s = 0;
      for (const [k, x] of v) s += x * (seen[i]!.v.get(k) ?? 0);
      if (s > bestS) [bestS, best] = [s, seen[i]!];
    }
    const story = best && bestS >= threshold ? best.story : r.id;
    seen.push({ id: r.id, t, v, story });
    pred.set(r.id, story);
  }
  return pred;
}

async function ours(opts: ClusterOptions, withEntities: boolean): Promise<[Map<string, string>, number]> {
  const index = new MemoryStoryIndex();
  const pred = new Map<string, string>();
  const t0 = performance.now();
  for (const r of rows) {
    const entities = withEntities ? extractEntities(r.title).map((e) => e.name) : undefined;
    const a = await assignStory(index, { ...r, ...(entities ? { entities } : {}) }, opts);
    pred.set(r.id, a.story);
  }
  return [pred, performance.now() - t0];
}

console.log(`\nstories: uci_dev.jsonl, ${rows.length} headlines, ${new Set(rows.map((r) => r.story)).size} gold stories`);
{
  const t0 = performance.now();
  const alone = new Map(rows.map((r) => [r.id, r.id]));
  report('every article alone (baseline)', alone, performance.now() - t0);
  for (const th of [0.3, 0.5]) {
    const t1 = performance.now();
    const g = greedyBaseline(th);
    report(`greedy TF-IDF cosine, 72 h scan, >=${th} (baseline)`, g, performance.now() - t1);
  }
  const [p1, ms1] = await ours({}, true);
  report('story-cluster default (12 h half-life) + entities', p1, ms1);
  const [p2, ms2] = await ours({}, false);
  report('story-cluster default, no entities', p2, ms2);
  const [p3, ms3] = await ours({ halfLifeMs: 24 * 3_600_000 }, true);
  report('story-cluster, 24 h half-life', p3, ms3);
  const [p4, ms4] = await ours({ halfLifeMs: 0, threshold: 0.3 }, true);
  report('story-cluster, no time decay (threshold 0.3)', p4, ms4);
  // The span cap bounds sagas that chain for days; uci_dev's gold stories are one day each.
  const [p5, ms5] = await ours({ maxSpanMs: Infinity }, true);
  report('story-cluster, no span cap (the default is 72 h)', p5, ms5);
  const [p6, ms6] = await ours({ maxSpanMs: 24 * 3_600_000 }, true);
  report('story-cluster, 24 h span cap', p6, ms6);
}

// ---------------- story index on Redis ----------------
// Every classify worker assigns stories under one Redis lock, so this rate is the story stage's
// ceiling however many workers run. Articles: the BBC texts (title + lead, ~60 terms each, as a
// real article has; uci headlines have ~8), published three minutes apart (111 h, so the 72 h
// window slides). Clusterers here share one process; the in-memory index is the baseline.
{
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  admin.on('error', () => {}); // unreachable is reported below, once
  const reachable = await admin.connect().then(
    () => true,
    () => false,
  );
  if (!reachable) console.log(`\nstory index on Redis: skipped, no Redis answers at ${url} (set REDIS_URL)`);
  else {
    const t0 = Date.now() - 120 * 3_600_000;
    const arts = readFileSync(join(DATA, 'topics', 'bbc.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l, i) => {
        const r = JSON.parse(l) as { title: string; text: string };
        return { id: `bbc-${i}`, title: r.title, text: r.text, source: 'BBC', published: t0 + i * 180_000 };
      });
    const rate = async (indexes: StoryIndex[]): Promise<number> => {
      let next = 0;
      const start = performance.now();
      await Promise.all(indexes.map(async (index) => {
        while (next < arts.length) await assignStory(index, arts[next++]!);
      }));
      return arts.length / ((performance.now() - start) / 1000);
    };
    console.log(`\nstory index: ${arts.length} BBC articles (title + lead), assignments/s`);
    console.log(`  in-memory index, 1 clusterer (baseline)    ${(await rate([new MemoryStoryIndex()])).toFixed(0)}`);
    for (const n of [1, 2, 4]) {
      const prefix = `bench-stories-${randomBytes(6).toString('hex')}`;
      const conns = Array.from({ length: n }, () => new Redis(url));
      try {
        console.log(`  Redis index (${url}), ${n} clusterer${n > 1 ? 's' : ' '}    ${(await rate(conns.map((c) => new RedisStoryIndex(c, prefix)))).toFixed(0)}`);
      } finally {
        for (const c of conns) c.disconnect();
        try {
          await cleanupPrefix(admin, `${prefix}:`);
        } catch (err) {
          console.log(`  (could not remove ${prefix}:* keys: ${String(err)}; they expire within 7 days)`);
        }
      }
    }
  }
  admin.disconnect();
}
