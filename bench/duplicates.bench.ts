// Near-duplicates: `npm run bench:duplicates`.
//
// 1. Quality. No labelled set of republished articles exists here, so one is made from real
//    texts: the BBC articles of ../shared/data/topics/bbc.jsonl are the originals, and half of
//    them are republished by a second "outlet" (test/helpers/syndicate.ts: last paragraph dropped
//    and a promo added; copy-edited with a dateline; cut to 60%; a middle paragraph dropped and
//    words changed). Every original is indexed first, then the copies. A copy must name its own
//    original; an original must name nothing (the BBC set's own exact repeats are counted apart).
//    Thresholds were chosen on the odd-numbered articles; the even-numbered ones are reported
//    as held out. Baseline in the same run: exact-text hashing (what GUID/URL dedup amounts to).
// 2. Cost: signature time per article, and the Redis index (REDIS_URL, else 127.0.0.1:6379)
//    with its lock: time per article and Redis bytes per article.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../src/shared/paths.js';
import { checkDuplicate, MemoryDupIndex } from '../src/workers/classify/dup-index.js';
import { RedisDupIndex } from '../src/workers/classify/dup-index.redis.js';
import { containment, DEFAULT_NEAR_DUP, signature, words } from '../src/workers/classify/near-dup.js';
import { syndicate, VARIANTS } from '../test/helpers/syndicate.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../test/helpers/redis.js';

const DATA = join(packagePath(), '..', 'shared', 'data', 'topics', 'bbc.jsonl');
const SEEDS = join(packagePath(), '..', 'shared', 'seeds');

interface Doc {
  id: string;
  title?: string;
  text: string;
  original?: string;
  variant?: string;
}

function corpus(rows: { id: string; title: string; text: string }[]): Doc[] {
  const originals: Doc[] = rows.map((r) => ({ id: `o:${r.id}`, title: r.title, text: r.text }));
  const copies: Doc[] = rows.flatMap((r, i) => {
    if (i % 2 === 1) return [];
    const variant = VARIANTS[(i / 2) % VARIANTS.length]!;
    const paragraphs = r.text.split(/\n+/).filter((p) => p.trim());
    return [{ id: `c:${r.id}`, text: syndicate(paragraphs, variant, i + 1).join('\n\n'), original: `o:${r.id}`, variant }];
  });
  return [...originals, ...copies];
}

const norm = (t: string) => createHash('sha1').update(words(t).join(' ')).digest('hex');

interface Scored {
  copies: number;
  found: number;
  wrong: number;
  missed: number;
  /** Links between two of the set's own articles: [containment, title, title]. */
  ownLinks: [number, string, string][];
  byVariant: Record<string, [number, number]>;
}

async function score(docs: Doc[], threshold: number): Promise<Scored> {
  const index = new MemoryDupIndex();
  const byId = new Map(docs.map((d) => [d.id, d]));
  const sigs = new Map(docs.map((d) => [d.id, signature(d.text)]));
  const out: Scored = { copies: 0, found: 0, wrong: 0, missed: 0, ownLinks: [], byVariant: {} };
  for (const d of docs) {
    const r = await checkDuplicate(index, d.id, d.text, { threshold });
    if (d.original) {
      out.copies += 1;
      const v = (out.byVariant[d.variant!] ??= [0, 0]);
      v[1] += 1;
      // Right: its own original, or an earlier article of the set with the same text (the BBC
      // set repeats some articles, a few under another headline).
      const orig = sigs.get(d.original)!;
      const named = r.duplicateOf ? sigs.get(r.duplicateOf) : null;
      const ok = r.duplicateOf === d.original || (named && orig && containment(orig, named) >= 0.9);
      if (ok) {
        out.found += 1;
        v[0] += 1;
      } else if (r.duplicateOf) out.wrong += 1;
      else out.missed += 1;
    } else if (r.duplicateOf) {
      const earlier = byId.get(r.duplicateOf)!;
      out.ownLinks.push([containment(sigs.get(d.id)!, sigs.get(earlier.id)!), d.title ?? d.id, earlier.title ?? earlier.id]);
    }
  }
  return out;
}

function line(label: string, s: Scored): string {
  // A link between two of the set's own articles at >= 0.9 is one of the BBC's own repeats (the
  // same text, sometimes under another headline): right. Below that it counts as false.
  const precision = s.found / Math.max(1, s.found + s.wrong + s.ownLinks.filter(([c]) => c < 0.9).length);
  const recall = s.found / Math.max(1, s.copies);
  const variants = Object.entries(s.byVariant).map(([v, [f, n]]) => `${v} ${f}/${n}`).join(', ');
  const repeats = s.ownLinks.filter(([c]) => c >= 0.9).length;
  return `  ${label.padEnd(34)} precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} | wrong original ${s.wrong}, missed ${s.missed}, BBC articles linked to another ${s.ownLinks.length} (${repeats} at >= 0.9, repeats) | ${variants}`;
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    console.log(`skipped: ${DATA} is absent (the development data beside the project)`);
    return;
  }
  const rows = readFileSync(DATA, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; title: string; text: string });
  const tune = corpus(rows.filter((_, i) => i % 2 === 1));
  const held = corpus(rows.filter((_, i) => i % 2 === 0));
  console.log(`near-duplicates: BBC ${rows.length} articles; copies of half of them in 4 republishing styles`);
  console.log(`tuning half: ${tune.filter((d) => !d.original).length} originals, ${tune.filter((d) => d.original).length} copies`);
  for (const t of [0.5, 0.6, 0.7, 0.8, 0.9]) console.log(line(`MinHash-LSH, containment >= ${t}${t === DEFAULT_NEAR_DUP.threshold ? ' (default)' : ''}`, await score(tune, t)));
  console.log(`held-out half: ${held.filter((d) => !d.original).length} originals, ${held.filter((d) => d.original).length} copies`);
  let heldScore: Scored | null = null;
  for (const t of [0.5, 0.6, 0.7, 0.8, 0.9]) {
    const scored = await score(held, t);
    if (t === DEFAULT_NEAR_DUP.threshold) heldScore = scored;
    console.log(line(`MinHash-LSH, containment >= ${t}${t === DEFAULT_NEAR_DUP.threshold ? ' (default)' : ''}`, scored));
  }
  if (!heldScore) throw new Error('the default threshold is not among those measured');
  console.log('  links between two BBC articles below 0.9 (not the same text; judge them by their headlines):');
  for (const [c, a, b] of heldScore.ownLinks.filter(([x]) => x < 0.9)) console.log(`    ${c.toFixed(2)}  "${a}" -> "${b}"`);
  // Baseline: the same text after normalisation, hashed.
  const seen = new Map<string, string>();
  let exactFound = 0;
  for (const d of held) {
    const h = norm(d.text);
    if (d.original && seen.get(h) === d.original) exactFound += 1;
    if (!seen.has(h)) seen.set(h, d.id);
  }
  console.log(`  exact normalised-text hash (baseline) recall ${(exactFound / held.filter((d) => d.original).length).toFixed(3)}`);

  if (existsSync(SEEDS)) {
    const texts = ['seed-iran-russia-aggregator', 'seed-iran-russia-theweek'].map((f) => readSeed(f)).filter((t): t is string => t !== null);
    if (texts.length === 2) console.log(`  the two seed texts (one story, two outlets): containment ${containment(signature(texts[0]!)!, signature(texts[1]!)!).toFixed(3)} (a copy needs ${DEFAULT_NEAR_DUP.threshold})`);
  }

  // Cost.
  const sample = held.slice(0, 2000);
  const t0 = performance.now();
  for (const d of sample) signature(d.text);
  const sigMs = (performance.now() - t0) / sample.length;
  const words0 = sample.reduce((a, d) => a + words(d.text).length, 0) / sample.length;
  console.log(`\ncost: signature ${sigMs.toFixed(3)} ms per article (${words0.toFixed(0)} words on average)`);
  const redis = testRedis();
  const prefix = randomPrefix('bench-dups');
  try {
    const index = new RedisDupIndex(redis, `${prefix}:dups`, { windowMs: 72 * 3_600_000 });
    const t1 = performance.now();
    let copies = 0;
    for (const d of sample) if ((await checkDuplicate(index, d.id, d.text)).duplicateOf) copies += 1;
    const perArticle = (performance.now() - t1) / sample.length;
    let bytes = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:dups:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
    } while (cursor !== '0');
    console.log(`  Redis index, lookup + insert under its lock: ${perArticle.toFixed(2)} ms per article (${sample.length} articles, ${copies} copies found), ${(bytes / sample.length).toFixed(0)} bytes per article`);
  } finally {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  }
}

function readSeed(name: string): string | null {
  const file = packagePath('fixtures', 'pages', `${name}.expected.json`);
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { paragraphs: string[] }).paragraphs.join('\n\n');
}

await main();
