// Same-story grouping: online clustering of articles over a sliding time window. Each article is
// a TF-IDF vector over its title and lead; document frequencies come from the window itself
// (how many indexed articles carry a term), so nothing grows with uptime. Candidates come from
// an inverted index bounded by the window (StoryIndex), never from a scan. An article joins the
// story of its most similar recent article when the similarity clears a threshold, else it
// starts a story whose id is derived from its own id, so ids are stable and reproducible.
// Joining is single-link, so a saga whose articles keep matching the last few would chain into
// one story for weeks; a story therefore never spans more than `maxSpanMs` from its earliest to
// its latest article (by published time, whatever order they arrive in), and the saga goes on as
// a new story.
// Pure: the index is the only I/O, behind the StoryIndex interface.
import { createHash } from 'node:crypto';
import { STOPWORDS, tokenize } from './text.js';

export interface StoryArticle {
  id: string;
  title: string | null;
  /** Body text; only the lead (first two paragraphs) is used. */
  text?: string | null;
  /** ISO-8601 string, Date or epoch ms. */
  published: string | number | Date | null;
  source?: string | null;
  /** Entity names (from classifyArticle); shared ones count as evidence of one story. */
  entities?: readonly string[];
  /** Topic labels, kept per story for listings. */
  topics?: readonly string[];
  /** The original this article copies (near-dup.ts): it joins the original's story. */
  duplicateOf?: string | null;
}

/** What the index keeps per article: its TF-IDF vector as weighed when it arrived (unit length). */
export interface IndexedArticle {
  id: string;
  story: string;
  published: number;
  source: string | null;
  title: string;
  terms: Record<string, number>;
  entities: string[];
  topics?: string[];
  /** Set when the article is a copy of another (see StoryArticle). */
  duplicateOf?: string;
}

/** Earliest and latest published time (ms) of a story's articles. */
export interface StorySpan {
  start: number;
  end: number;
}

export interface StoryIndexTxn {
  /** The article if it is already indexed (a retried job keeps its story). */
  get(id: string): Promise<IndexedArticle | null>;
  /** Articles in the window and, per term, how many of them carry it. */
  stats(terms: readonly string[], since: number): Promise<{ n: number; df: number[] }>;
  /** Recent articles sharing any of the terms, newest first, at most `limit` per term. */
  candidates(terms: readonly string[], since: number, limit: number): Promise<IndexedArticle[]>;
  /** Spans of the given stories; a story the index no longer knows is left out. */
  spans(stories: readonly string[]): Promise<Map<string, StorySpan>>;
  add(article: IndexedArticle, since: number): Promise<void>;
}

/** Runs `fn` with exclusive use of the index, so two clusterers never split one event. */
export interface StoryIndex {
  transaction<T>(fn: (tx: StoryIndexTxn) => Promise<T>): Promise<T>;
}

export interface ClusterOptions {
  /** Sliding window by published time (default 72 h). */
  windowMs?: number;
  /** Minimum similarity to join a story (0.2: tuned on uci_dev headlines, see the bench). */
  threshold?: number;
  /** Terms of an article used to look up candidates (its rarest ones). */
  lookupTerms?: number;
  /** Postings read per lookup term. */
  postingsPerTerm?: number;
  /** Weight of shared entities added to the cosine (default 0.1 per shared entity, capped). */
  entityWeight?: number;
  /**
   * Similarity halves for every `halfLifeMs` between two articles' published times: a story is
   * news of a day or two, and the same saga a week later is a new story.
   */
  halfLifeMs?: number;
  /**
   * Longest a story may span, earliest to latest article by published time (default: the
   * window). An article that would stretch a story further starts a new one.
   */
  maxSpanMs?: number;
}

export const DEFAULT_CLUSTER_OPTIONS: Required<Omit<ClusterOptions, 'maxSpanMs'>> = {
  windowMs: 72 * 3_600_000,
  threshold: 0.2,
  lookupTerms: 12,
  postingsPerTerm: 100,
  entityWeight: 0.1,
  halfLifeMs: 12 * 3_600_000,
};

export interface Assignment {
  id: string;
  story: string;
  /** Similarity to the article it was matched with (0 for a new story). */
  score: number;
  matched: string | null;
}

export function storyIdFor(articleId: string): string {
  return 'story-' + createHash('sha1').update(articleId).digest('hex').slice(0, 16);
}

export function publishedMs(p: StoryArticle['published'], fallback = Date.now()): number {
  if (p === null || p === undefined) return fallback;
  const t = p instanceof Date ? p.getTime() : typeof p === 'number' ? p : Date.parse(p);
  return Number.isFinite(t) ? t : fallback;
}

/** The first two paragraphs, capped: the lead carries the event, the rest dilutes it. */
export function leadOf(text: string | null | undefined, maxChars = 600): string {
  if (!text) return '';
  const paras = text.split(/\n\s*\n|\n/).map((p) => p.trim()).filter((p) => p.length > 0);
  return paras.slice(0, 2).join('\n').slice(0, maxChars);
}

// Wire-service slugs ("UPDATE 3-", "FOREX-", "CORRECTED-") name a desk, not an event.
const SLUG = /^(?:(?:UPDATE|CORRECTED|REFILE|RPT|WRAPUP|INSIGHT|EXCLUSIVE|ANALYSIS|BREAKINGVIEWS|FOREX|GLOBAL MARKETS|US STOCKS|PRECIOUS|METALS|[A-Z]{2,}(?: [A-Z]{2,})*)(?: \d+)?-)+/;

function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

/** Term frequencies of title and lead; title words count double, they name the event. */
export function storyTerms(title: string | null, text?: string | null): Record<string, number> {
  const tf: Record<string, number> = {};
  const addAll = (s: string, w: number): void => {
    for (const t of tokenize(s)) {
      if (t.length < 2 || STOPWORDS.has(t) || /^\d{1,2}$/.test(t)) continue;
      const k = stem(t);
      tf[k] = (tf[k] ?? 0) + w;
    }
  };
  addAll((title ?? '').replace(SLUG, ''), 2);
  addAll(leadOf(text), 1);
  return tf;
}

function idfOf(n: number, df: number): number {
  return Math.log((n + 1) / (df + 1)) + 1;
}

function weigh(terms: Record<string, number>, idf: Map<string, number>, fallback: number): Map<string, number> {
  const v = new Map<string, number>();
  let norm = 0;
  for (const [t, c] of Object.entries(terms)) {
    const w = (1 + Math.log(c)) * (idf.get(t) ?? fallback);
    v.set(t, w);
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [t, w] of v) v.set(t, w / norm);
  return v;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  const [small, big] = a.size < b.size ? [a, b] : [b, a];
  let s = 0;
  for (const [t, w] of small) {
    const o = big.get(t);
    if (o !== undefined) s += w * o;
  }
  return s;
}

/** Assign one article to a story through the index (atomically, inside one transaction). */
export async function assignStory(
  index: StoryIndex,
  article: StoryArticle,
  opts: ClusterOptions = {},
): Promise<Assignment> {
  const o = { ...DEFAULT_CLUSTER_OPTIONS, ...opts };
  const maxSpan = opts.maxSpanMs ?? o.windowMs;
  const published = publishedMs(article.published);
  const terms = storyTerms(article.title, article.text);
  const termList = Object.keys(terms);
  const entities = [...new Set((article.entities ?? []).map((e) => e.toLowerCase()))];
  const since = published - o.windowMs;

  return index.transaction(async (tx) => {
    const known = await tx.get(article.id);
    if (known) return { id: article.id, story: known.story, score: 1, matched: null };
    const { n, df } = await tx.stats(termList, since);
    const idf = new Map(termList.map((t, i) => [t, idfOf(n, df[i]!)]));
    // The rarest terms the window has seen find the same event; common ones ("shares", "says")
    // only add noise, and terms nobody else used cannot find anything.
    const lookup = termList
      .map((t, i) => [t, df[i]!] as const)
      .filter(([, d]) => d > 0)
      .sort((a, b) => a[1] - b[1])
      .slice(0, o.lookupTerms)
      .map(([t]) => t);
    const cands = lookup.length ? await tx.candidates(lookup, since, o.postingsPerTerm) : [];
    // Candidate terms missing from our stats are at least as rare as the rarest we know.
    const fallback = idfOf(n, 0);
    const mine = weigh(terms, idf, fallback);
    // Score every candidate (no I/O), then read the spans of only the stories it could join.
    const scored: [number, IndexedArticle][] = [];
    for (const c of cands) {
      if (c.published < since || c.published > published + o.windowMs) continue;
      let s = cosine(mine, new Map(Object.entries(c.terms)));
      if (entities.length && c.entities.length) {
        const shared = c.entities.filter((e) => entities.includes(e)).length;
        s += Math.min(3, shared) * o.entityWeight;
      }
      if (o.halfLifeMs > 0) s *= Math.pow(0.5, Math.abs(published - c.published) / o.halfLifeMs);
      if (s >= o.threshold && s > 0) scored.push([s, c]);
    }
    scored.sort((a, b) => b[0] - a[0]);
    const spans = Number.isFinite(maxSpan) && scored.length ? await tx.spans([...new Set(scored.map(([, c]) => c.story))]) : null;
    const fits = (c: IndexedArticle) => {
      const span = spans?.get(c.story) ?? { start: c.published, end: c.published };
      return !spans || Math.max(span.end, published) - Math.min(span.start, published) <= maxSpan;
    };
    // A copy goes where its original went, whatever the scores say.
    const original = article.duplicateOf ? await tx.get(article.duplicateOf) : null;
    const [bestScore, best] = original ? [1, original] : (scored.find(([, c]) => fits(c)) ?? [0, null]);
    const joined = best !== null;
    const story = joined ? best!.story : storyIdFor(article.id);
    await tx.add(
      {
        id: article.id,
        story,
        published,
        source: article.source ?? null,
        title: article.title ?? '',
        terms: Object.fromEntries([...mine].map(([t, w]) => [t, Math.round(w * 1000) / 1000])),
        entities,
        ...(article.topics?.length ? { topics: [...article.topics] } : {}),
        ...(article.duplicateOf ? { duplicateOf: article.duplicateOf } : {}),
      },
      since,
    );
    return { id: article.id, story, score: joined ? bestScore : 0, matched: joined ? best!.id : null };
  });
}
