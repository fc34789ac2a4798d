// In-process StoryIndex for batch mode, tests and benchmarks: per-term postings ordered by
// time, trimmed as the window slides. Transactions run one at a time (a promise chain).
import type { IndexedArticle, StoryIndex, StoryIndexTxn } from './story-cluster.js';

export class MemoryStoryIndex implements StoryIndex {
  private readonly articles = new Map<string, IndexedArticle>();
  /** term -> article ids in arrival order (roughly time order). */
  private readonly postings = new Map<string, string[]>();
  private readonly stories = new Map<string, { members: string[]; sources: Set<string>; start: number; end: number }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly txn: StoryIndexTxn;

  constructor() {
    this.txn = {
      get: async (id) => this.articles.get(id) ?? null,
      stats: async (terms, since) => {
        this.trim(since);
        return { n: this.articles.size, df: terms.map((t) => this.postings.get(t)?.length ?? 0) };
      },
      candidates: async (terms, since, limit) => {
        const seen = new Map<string, IndexedArticle>();
        for (const t of terms) {
          const ids = this.postings.get(t) ?? [];
          for (let i = ids.length - 1, k = 0; i >= 0 && k < limit; i--, k++) {
            const a = this.articles.get(ids[i]!);
            if (a && a.published >= since) seen.set(a.id, a);
          }
        }
        return [...seen.values()];
      },
      spans: async (ids) => {
        const out = new Map<string, { start: number; end: number }>();
        for (const id of ids) {
          const s = this.stories.get(id);
          if (s) out.set(id, { start: s.start, end: s.end });
        }
        return out;
      },
      add: async (a) => {
        if (this.articles.has(a.id)) return;
        this.articles.set(a.id, a);
        for (const t of Object.keys(a.terms)) {
          let ids = this.postings.get(t);
          if (!ids) this.postings.set(t, (ids = []));
          ids.push(a.id);
        }
        let s = this.stories.get(a.story);
        if (!s) this.stories.set(a.story, (s = { members: [], sources: new Set(), start: a.published, end: a.published }));
        s.members.push(a.id);
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

  // Drops articles older than the window; input arrives roughly in time order, so the oldest
  // sit at the front of each posting list.
  private lastTrim = -Infinity;
  private trim(since: number): void {
    if (since <= this.lastTrim) return;
    this.lastTrim = since;
    for (const [id, a] of this.articles) {
      if (a.published >= since) continue;
      this.articles.delete(id);
      const s = this.stories.get(a.story);
      if (s) {
        s.members = s.members.filter((m) => m !== id);
        if (s.members.length === 0) this.stories.delete(a.story);
      }
    }
    for (const [t, ids] of this.postings) {
      const kept = ids.filter((id) => this.articles.has(id));
      if (kept.length) this.postings.set(t, kept);
      else this.postings.delete(t);
    }
  }
}
