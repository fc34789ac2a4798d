// `npm run bench:extract`: newsflow's extractor, on jsdom (the default) and on linkedom
// (`extract.dom`), against plain Readability.js on jsdom (the baseline, same run, same pages) over
// ../shared/data/extraction: fundus-dev shingle P/R/F1, trafilatura-990 snippet P/R/F1, ms per
// page, pages whose output differs between the two DOMs, and pool throughput on all cores vs one
// thread for each DOM (cold threads and warm), beside how far plain arithmetic and
// allocation-heavy loops scale on the same machine; the time layers 5-6 (the boilerplate
// classifier and layout) add per page; and paragraph recall and boilerplate leak on newsflow's own
// labelled pages, training and held-out, with "no classifier" (layers 1-4 and 6, extract.model:
// off) beside. Options: --limit N (first N trafilatura pages), --no-baseline, --no-linkedom,
// --no-rules-only, --no-pool.
//
// First, before jsdom loads: the same jsdom tuning the pipeline's threads get (jsdom-tuning.ts),
// for newsflow and for the baseline alike, so both run on the jsdom the pipeline runs on.
import { jsdomTuning } from '../src/workers/readability/jsdom-tuning.js';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Readability } from '@mozilla/readability';
import { JSDOM, VirtualConsole } from 'jsdom';
import type { ExtractDom } from '../src/shared/config.js';
import type { ExtractedArticle } from '../src/shared/types.js';
import { type ExtractTrace, extractArticle } from '../src/workers/readability/extract.js';
import { loadLabelledDir } from '../src/workers/readability/block-training.js';
import { type ExtractPool, createExtractPool } from '../src/workers/readability/extract.pool.js';
import { dataDir, hasExtractionData, loadFundus, loadTrafilatura, repoRoot } from './datasets.js';
import { type Prf, aggregateBlocks, aggregateShingles, aggregateSnippets, blockCounts, scoreFundusPage, snippetCounts } from './metrics.js';

type Extract = (html: string, url: string) => string;

/** Each DOM's last article (or error), to count pages where the two disagree. */
const lastOutput = new Map<ExtractDom, string>();
/** Time in the classifier and layout layers (5 and 6) per page, newsflow on jsdom. */
const classifierMs: number[] = [];
const newsflowOn = (dom: ExtractDom): Extract => (html, url) => {
  let article: ExtractedArticle | null = null;
  const trace: ExtractTrace = { structure: [], blocks: [], overruled: [], keptScores: [], classifierMs: 0 };
  try {
    article = extractArticle(html, { url, dom }, dom === 'jsdom' ? trace : undefined);
  } catch (err) {
    lastOutput.set(dom, `error: ${(err as Error).message}`);
    return '';
  } finally {
    if (dom === 'jsdom') classifierMs.push(trace.classifierMs);
  }
  lastOutput.set(dom, JSON.stringify(article));
  return article.text;
};
/** newsflow without the classifier (layers 1-4 and 6): what layer 5 adds. */
const rulesOnly: Extract = (html, url) => {
  try {
    return extractArticle(html, { url, blockModel: null }).text;
  } catch {
    return '';
  }
};

const readabilityJs: Extract = (html, url) => {
  const dom = new JSDOM(html, { url, virtualConsole: new VirtualConsole() });
  try {
    return new Readability(dom.window.document).parse()?.textContent ?? '';
  } catch {
    return '';
  } finally {
    dom.window.close();
  }
};

interface Page {
  html: string;
  url: string;
}

interface Run {
  fundus: Prf;
  snippets: Prf;
  ms: number[];
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const limitArg = args.indexOf('--limit');
const limit = limitArg >= 0 ? Number(args[limitArg + 1]) : Infinity;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const f3 = (x: number) => x.toFixed(3);
const f1 = (x: number) => x.toFixed(1);

// jsdom holds memory through WeakRefs, which are only released between jobs: let the event
// loop turn between pages or a synchronous loop over 1,000 pages runs out of heap.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function main(): Promise<void> {
  if (!hasExtractionData()) {
    console.log(`skipped: no extraction data at ${dataDir} (see ../shared/data/README.md)`);
    return;
  }
  const fundus = loadFundus();
  const traf = loadTrafilatura().slice(0, limit);
  console.log(`pages: fundus-dev ${fundus.length}, trafilatura-990 ${traf.length}; cores ${availableParallelism()}`);
  const tuned = jsdomTuning.mutationRecords && jsdomTuning.styleCache && jsdomTuning.modifiedSteps;
  console.log(`jsdom (newsflow and the baseline alike): ${tuned ? 'tuned as in the pipeline (jsdom-tuning.ts)' : `not fully tuned: ${jsdomTuning.skipped.join('; ')}`}`);

  const extractors: [string, Extract][] = [['newsflow', newsflowOn('jsdom')]];
  if (!flag('--no-rules-only')) extractors.push(['no classifier', rulesOnly]);
  const withLinkedom = !flag('--no-linkedom');
  if (withLinkedom) extractors.push(['linkedom', newsflowOn('linkedom')]);
  if (!flag('--no-baseline')) extractors.push(['readability.js', readabilityJs]);
  const differing: string[] = [];
  const compareDoms = (page: Page) => {
    if (withLinkedom && lastOutput.get('jsdom') !== lastOutput.get('linkedom')) differing.push(page.url);
  };
  // Warm the JIT for both before timing anything.
  for (const p of fundus.slice(0, 3)) for (const [, fn] of extractors) fn(p.html, p.url);

  const runs = new Map<string, Run>(extractors.map(([n]) => [n, { fundus: zero(), snippets: zero(), ms: [] }]));
  // Pages alternate between extractors so load on the machine hits both alike.
  const timed = (page: Page): Map<string, string> => {
    const out = new Map<string, string>();
    for (const [name, fn] of extractors) {
      const t = performance.now();
      out.set(name, fn(page.html, page.url));
      runs.get(name)!.ms.push(performance.now() - t);
    }
    return out;
  };
  const fundusScores = new Map(extractors.map(([n]) => [n, [] as ReturnType<typeof scoreFundusPage>[]]));
  for (const p of fundus) {
    for (const [n, text] of timed(p)) fundusScores.get(n)!.push(scoreFundusPage(p.body, text));
    compareDoms(p);
    await tick();
  }
  const snippetScores = new Map(extractors.map(([n]) => [n, [] as ReturnType<typeof snippetCounts>[]]));
  for (const [i, p] of traf.entries()) {
    for (const [n, text] of timed(p)) snippetScores.get(n)!.push(snippetCounts(text, p.with, p.without));
    compareDoms(p);
    if ((i + 1) % 100 === 0) process.stderr.write(`  ${i + 1}/${traf.length} trafilatura pages\n`);
    await tick();
  }
  for (const [n, run] of runs) {
    run.fundus = aggregateShingles(fundusScores.get(n)!);
    run.snippets = aggregateSnippets(snippetScores.get(n)!);
  }
  report(runs);
  console.log(`\nclassifier and layout (layers 5-6) per page, newsflow on jsdom: median ${quantile(classifierMs, 0.5).toFixed(2)} ms, p95 ${quantile(classifierMs, 0.95).toFixed(2)} ms, mean ${(classifierMs.reduce((a, b) => a + b, 0) / Math.max(1, classifierMs.length)).toFixed(2)} ms`);
  console.log('(fundus-dev and trafilatura-990 are training data of the shipped classifier: figures on them are in-sample; see the held-out set below)');
  ownSets(extractors.filter(([n]) => n !== 'linkedom'));
  if (withLinkedom) {
    const total = fundus.length + traf.length;
    console.log(`\npages whose article (every field) differs between jsdom and linkedom: ${differing.length} of ${total}`);
    for (const url of differing.slice(0, 10)) console.log(`  ${url}`);
  }
  if (!flag('--no-pool')) {
    const pages = [...fundus, ...traf.slice(0, 160)];
    await throughput(pages, 'jsdom');
    if (withLinkedom) await throughput(pages, 'linkedom');
    await calibration();
  }
}

/**
 * newsflow's own labelled pages (test/fixtures/boilerplate): boilerplate leak and paragraph recall
 * per extractor, on the training pages and on the held-out pages the classifier never saw.
 */
function ownSets(extractors: [string, Extract][]): void {
  console.log(`\nown labelled pages (test/fixtures/boilerplate): paragraph recall / boilerplate leak, by blocks`);
  console.log(`${'set'.padEnd(40)}${extractors.map(([n]) => n.padStart(26)).join('')}`);
  for (const set of ['train', 'holdout']) {
    const pages = loadLabelledDir(path.join(repoRoot, 'test/fixtures/boilerplate', set), set);
    const cells = extractors.map(([, fn]) => {
      const counts = pages.map((p) => {
        const gold = p.gold as { content: string[]; boilerplate: string[] };
        return blockCounts(paragraphsOf(fn(p.html, p.url)), gold.content, gold.boilerplate);
      });
      const a = aggregateBlocks(counts);
      const leaked = counts.reduce((n, c) => n + c.leaked, 0);
      const all = counts.reduce((n, c) => n + c.boilerplate, 0);
      return `${f3(a.paragraphRecall)} / ${f3(a.boilerplateLeak)} (${leaked}/${all})`;
    });
    const label = set === 'holdout' ? `held out, ${pages.length} pages (never trained on)` : `training, ${pages.length} pages (in-sample)`;
    console.log(`${label.padEnd(40)}${cells.map((c) => c.padStart(26)).join('')}`);
  }
}

/** Readability.js's textContent has no paragraph marks but line breaks; newsflow's text has blank lines. */
const paragraphsOf = (text: string) => text.split(/\n+/);

function zero(): Prf {
  return { precision: 0, recall: 0, f1: 0 };
}

function report(runs: Map<string, Run>): void {
  const nf = runs.get('newsflow')!;
  const light = runs.get('linkedom');
  const base = runs.get('readability.js');
  const rows: [string, (r: Run) => number, (x: number) => string][] = [
    ['fundus-dev shingle precision', (r) => r.fundus.precision, f3],
    ['fundus-dev shingle recall', (r) => r.fundus.recall, f3],
    ['fundus-dev shingle F1', (r) => r.fundus.f1, f3],
    ['trafilatura-990 snippet precision', (r) => r.snippets.precision, f3],
    ['trafilatura-990 snippet recall', (r) => r.snippets.recall, f3],
    ['trafilatura-990 snippet F1', (r) => r.snippets.f1, f3],
    ['median ms/page (all pages)', (r) => quantile(r.ms, 0.5), f1],
    ['p95 ms/page (all pages)', (r) => quantile(r.ms, 0.95), f1],
  ];
  const columns: [string, Run][] = [['newsflow', nf]];
  const rules = runs.get('no classifier');
  if (rules) columns.push(['no classifier', rules]);
  if (light) columns.push(['on linkedom', light]);
  if (base) columns.push(['readability.js', base]);
  const head = columns.map(([n]) => n.padStart(16)).join('') + (base ? ['ratio', ...(light ? ['linkedom ratio'] : [])].map((n) => n.padStart(16)).join('') : '');
  console.log(`\n${'metric'.padEnd(36)}${head}`);
  for (const [label, get, fmt] of rows) {
    let line = label.padEnd(36) + columns.map(([, r]) => fmt(get(r)).padStart(16)).join('');
    if (base) {
      line += (get(nf) / get(base)).toFixed(2).padStart(16);
      if (light) line += (get(light) / get(base)).toFixed(2).padStart(16);
    }
    console.log(line);
  }
}

// Each pool is timed twice: over the first pass after its threads start (JIT warm-up included),
// and warm, which is what a long-lived worker sees (threads are replaced every
// extract.recycleAfter pages, 5,000 by default). Warm passes alternate between the two pools, both
// kept alive, WARM_PAIRS times, the pool going first swapping every pair: this VM's speed drifts by
// 20% and more within minutes, and timing one pool after the other puts that drift into the ratio.
// The warm ratio pools all pairs (pages over seconds for each pool); the per-pair range shows the
// spread.
const WARM_PAIRS = 4;

interface TimedPool {
  pool: ExtractPool;
  threads: number;
  /** Threads that appeared with this pool: its extraction threads (and any helper started with it). */
  own: Set<string>;
  cold: number;
  seconds: number;
  /** Each thread's ticks over this pool's warm passes. */
  ticks: Map<string, number>;
}

async function throughput(pages: Page[], dom: ExtractDom): Promise<void> {
  const cores = availableParallelism();
  const timed = async (pool: ExtractPool, list = pages) => {
    const t = performance.now();
    await Promise.all(list.map((p) => pool.extract(p.html, { url: p.url }).catch(() => null)));
    return (performance.now() - t) / 1000;
  };
  const background = new Set(threadTicks().keys());
  const pools: TimedPool[] = [];
  try {
    for (const threads of [1, cores]) {
      const before = new Set(threadTicks().keys());
      const pool = createExtractPool({ threads, timeoutMs: 60_000, dom });
      const entry: TimedPool = { pool, threads, own: new Set(), cold: 0, seconds: 0, ticks: new Map() };
      pools.push(entry);
      // Start the threads before the clock runs.
      await timed(pool, pages.slice(0, threads));
      for (const tid of threadTicks().keys()) if (!before.has(tid)) entry.own.add(tid);
      entry.cold = pages.length / (await timed(pool));
    }
    const [one, all] = pools as [TimedPool, TimedPool];
    const ratios: number[] = [];
    for (let i = 0; i < WARM_PAIRS; i++) {
      const rate = new Map<TimedPool, number>();
      for (const p of i % 2 === 0 ? [one, all] : [all, one]) {
        const start = threadTicks();
        const seconds = await timed(p.pool);
        addTicks(p.ticks, start, threadTicks());
        p.seconds += seconds;
        rate.set(p, pages.length / seconds);
      }
      ratios.push(rate.get(all)! / rate.get(one)!);
    }
    const warm = (p: TimedPool) => (WARM_PAIRS * pages.length) / p.seconds;
    console.log(`\npool throughput on ${dom}, ${pages.length} pages a pass, pages/s with 1 thread and ${cores} threads:`);
    console.log(`  first pass after thread start: ${f1(one.cold)} and ${f1(all.cold)}, ratio ${(all.cold / one.cold).toFixed(2)}`);
    console.log(`  warm, ${WARM_PAIRS} alternating passes each: ${f1(warm(one))} and ${f1(warm(all))}, ratio ${(warm(all) / warm(one)).toFixed(2)} (pairs: ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
    if (one.ticks.size) {
      for (const p of pools) console.log(`  cores busy while warm, ${p.threads} thread${p.threads === 1 ? '' : 's'}: ${cpuShares(p, background, p.seconds)}`);
    }
  } finally {
    await Promise.all(pools.map((p) => p.pool.close()));
  }
}

// Where the cores go while the pool runs, from Linux's per-thread CPU counters: the extraction
// threads themselves, the process's other threads (V8's background GC and JIT compiler threads,
// libuv) and the main thread. With one extraction thread the background threads use the idle
// core, which the one-thread figure then includes. Empty where /proc is not available.
const CLOCK_TICKS = 100;

function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, Number(fields[11]) + Number(fields[12]));
      } catch {
        // The thread ended between listing and reading.
      }
    }
  } catch {
    // Not Linux.
  }
  return out;
}

/** Adds each thread's ticks between start and end to `into`. */
function addTicks(into: Map<string, number>, start: Map<string, number>, end: Map<string, number>): void {
  for (const [tid, ticks] of end) into.set(tid, (into.get(tid) ?? 0) + ticks - (start.get(tid) ?? 0));
}

/**
 * Cores used over `seconds` of a pool's warm passes, from each thread's ticks in them: the pool's
 * own extraction threads, the threads that existed before either pool (V8's background GC and
 * compiler threads, libuv) and the main thread. The other pool's threads, idle meanwhile, are
 * shown only if they used anything.
 */
function cpuShares(p: TimedPool, background: ReadonlySet<string>, seconds: number): string {
  const share = { pool: 0, background: 0, main: 0, other: 0 };
  for (const [tid, ticks] of p.ticks) {
    const used = ticks / CLOCK_TICKS / seconds;
    if (tid === String(process.pid)) share.main += used;
    else if (p.own.has(tid)) share.pool += used;
    else if (background.has(tid)) share.background += used;
    else share.other += used;
  }
  const total = share.pool + share.background + share.main + share.other;
  const other = share.other >= 0.005 ? `, the other pool's threads ${share.other.toFixed(2)}` : '';
  return `${total.toFixed(2)} (extraction threads ${share.pool.toFixed(2)}, background GC/JIT threads ${share.background.toFixed(2)}, main thread ${share.main.toFixed(2)}${other})`;
}

async function calibration(): Promise<void> {
  const cores = availableParallelism();
  const cpu = await calibrate(CPU_LOOP, cores);
  const alloc = await calibrate(ALLOC_LOOP, cores);
  console.log(`machine calibration, same work per thread, ${cores} threads vs 1: arithmetic loop ${cpu.toFixed(2)}x, allocation-heavy loop ${alloc.toFixed(2)}x`);
}

// What the machine itself allows: extraction allocates a whole DOM per page, and with one
// thread V8's parallel GC helpers borrow the idle cores, which they cannot do when every core
// runs a thread. These two loops show that ceiling beside the pool's figure.
const CPU_LOOP = `let x = 1; for (let i = 0; i < 3e8; i++) x = (x * 1103515245 + 12345) % 2147483647; x`;
const ALLOC_LOOP = `let keep = []; for (let i = 0; i < 1.5e7; i++) { keep.push({ a: i, b: [i, i + 1], c: 'x' + i }); if (keep.length > 200000) keep = []; } keep.length`;

async function calibrate(body: string, threads: number): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads'); const t = performance.now(); ${body}; parentPort.postMessage(performance.now() - t);`;
  const run = async (n: number) => {
    const t = performance.now();
    await Promise.all(
      Array.from({ length: n }, () => new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        w.once('message', resolve);
        w.once('error', reject);
      })),
    );
    return performance.now() - t;
  };
  const one = await run(1);
  return (threads * one) / (await run(threads));
}

await main();
