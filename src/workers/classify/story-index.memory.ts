// In-process StoryIndex for batch mode, tests and benchmarks. Per-term postings in arrival
// order; articles leave in published order through a min-heap as the window slides, so each
// assignment costs what it touches, not the window's size (a backfill of a million articles
// stays linear). Transactions run one at a time (a promise chain).
import type { IndexedArticle, StoryIndex, StoryIndexTxn, StorySpan } from './story-cluster.js';

/**
 * A term's postings: articles in arrival order from `head` on. An entry is live while the index
 * holds that very record (an article that left the window and was added again has a new
 * record, with its own entries).
 */
interface Postings {
  entries: IndexedArticle[];
  head: number;
  /** How many of the entries are still in the window: the term's document frequency. */
  live: number;
}

/** Binary min-heap of [published, id]. */
class TimeHeap {
  private readonly items: [number, string][] = [];

  push(item: [number, string]): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]![0] <= a[i]![0]) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  peek(): [number, string] | undefined {
    return this.items[0];
  }

  pop(): [number, string] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]![0] < a[m]![0]) m = l;
        if (r < a.length && a[r]![0] < a[m]![0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

export class MemoryStoryIndex implements StoryIndex {
  private readonly articles = new Map<string, IndexedArticle>();
  private readonly postings = new Map<string, Postings>();
  private readonly byTime = new TimeHeap();
  private readonly stories = new Map<string, { members: Set<string>; sources: Set<string>; start: number; end: number }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly txn: StoryIndexTxn;

  constructor() {
    this.txn = {
      get: async (id) => this.articles.get(id) ?? null,
      stats: async (terms, since) => {
        this.trim(since);
        return { n: this.articles.size, df: terms.map((t) => this.postings.get(t)?.live ?? 0) };
      },
      candidates: async (terms, since, limit) => {
        const seen = new Map<string, IndexedArticle>();
        for (const t of terms) {
          const p = this.postings.get(t);
          if (!p) continue;
          // Newest first; entries of articles that left the window out of order are skipped.
          for (let i = p.entries.length - 1, k = 0; i >= p.head && k < limit; i--) {
            const a = p.entries[i]!;
            if (this.articles.get(a.id) !== a) continue;
            k++;
            if (a.published >= since) seen.set(a.id, a);
          }
        }
        return [...seen.values()];
      },
      spans: async (ids) => {
        const out = new Map<string, StorySpan>();
        for (const id of ids) {
          const s = this.stories.get(id);
          if (s) out.set(id, { start: s.start, end: s.end });
        }
        return out;
      },
      add: async (a) => {
        if (this.articles.has(a.id)) return;
        this.articles.set(a.id, a);
        this.byTime.push([a.published, a.id]);
        for (const t of Object.keys(a.terms)) {
          let p = this.postings.get(t);
          if (!p) this.postings.set(t, (p = { entries: [], head: 0, live: 0 }));
          p.entries.push(a);
          p.live++;
        }
        let s = this.stories.get(a.story);
        if (!s) this.stories.set(a.story, (s = { members: new Set(), sources: new Set(), start: a.published, end: a.published }));
        s.members.add(a.id);
        s.start = Math.min(s.start, a.published);
        s.end = Math.max(s.end, a.published);
        if (a.source) s.sources.add(a.source);
      },
    };
  }

  transaction<T>(fn: (tx: StoryIndexTxn) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn(this.txn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Members and outlets of a story still in the window. */
  story(id: string): { members: string[]; sources: string[] } | null {
    const s = this.stories.get(id);
    return s ? { members: [...s.members], sources: [...s.sources] } : null;
  }

  get size(): number {
    return this.articles.size;
  }

  /**
   * Drops the articles published before `since`, oldest first, including one that arrived late
   * with a time already behind the window (as the Redis index counts by score).
   */
  private trim(since: number): void {
    for (let top = this.byTime.peek(); top && top[0] < since; top = this.byTime.peek()) {
      this.byTime.pop();
      const a = this.articles.get(top[1]);
      if (!a) continue;
      this.articles.delete(a.id);
      for (const t of Object.keys(a.terms)) {
        const p = this.postings.get(t)!;
        if (--p.live === 0) {
          this.postings.delete(t);
          continue;
        }
        // Advance past entries that have left; compact once the dead prefix is half the array.
        while (p.head < p.entries.length && this.articles.get(p.entries[p.head]!.id) !== p.entries[p.head]) p.head++;
        if (p.head > 32 && p.head * 2 > p.entries.length) {
          p.entries = p.entries.slice(p.head);
          p.head = 0;
        }
      }
      const s = this.stories.get(a.story);
      if (s) {
        s.members.delete(a.id);
        if (s.members.size === 0) this.stories.delete(a.story);
      }
    }
  }
}
