// Finding the original of a near-duplicate through an index of signatures (see near-dup.ts).
// The index keeps, per article, its signature and its root: the earliest stored article of its
// text (itself when it copies nothing). A copy of a copy points at the root, so every copy of
// one text names the same original. Lookup and insertion happen inside one transaction of the
// index, so two copies of a new text arriving at once cannot both become its original.
import { bandKeys, containment, DEFAULT_NEAR_DUP, signature, type NearDupOptions, type Signature } from './near-dup.js';

export interface IndexedSignature {
  id: string;
  /** The earliest stored article of this text (this article's own id when it is an original). */
  root: string;
  sig: Signature;
}

export interface DupIndexTxn {
  /** The record of `id`, if it was indexed (a retried job gets its earlier answer). */
  get(id: string): Promise<IndexedSignature | null>;
  /** Articles sharing at least one band with `bands` (each article once). */
  candidates(bands: readonly string[]): Promise<IndexedSignature[]>;
  add(record: IndexedSignature, bands: readonly string[]): Promise<void>;
}

export interface DupIndex {
  transaction<T>(fn: (tx: DupIndexTxn) => Promise<T>): Promise<T>;
}

export interface DupCheck {
  /** The original this article copies, or null. */
  duplicateOf: string | null;
  /** Estimated containment against the closest candidate (0 when none). */
  score: number;
  /** The article it matched (the original itself, or another copy of it). */
  matched: string | null;
}

/** The best match among candidates: highest containment at or above the threshold. */
export function closest(sig: Signature, candidates: readonly IndexedSignature[], threshold: number): { record: IndexedSignature; score: number } | null {
  let best: { record: IndexedSignature; score: number } | null = null;
  for (const c of candidates) {
    const score = containment(sig, c.sig);
    if (score >= threshold && (!best || score > best.score)) best = { record: c, score };
  }
  return best;
}

/** Check `text` against the index and add it: null duplicateOf when it copies nothing stored. */
export async function checkDuplicate(index: DupIndex, id: string, text: string, opts: NearDupOptions = {}): Promise<DupCheck> {
  const o = { ...DEFAULT_NEAR_DUP, ...opts };
  const sig = signature(text, o.minWords);
  if (!sig) return { duplicateOf: null, score: 0, matched: null };
  const bands = bandKeys(sig);
  return index.transaction(async (tx) => {
    const known = await tx.get(id);
    if (known) return { duplicateOf: known.root === id ? null : known.root, score: 1, matched: known.root === id ? null : known.root };
    const best = closest(sig, (await tx.candidates(bands)).filter((c) => c.id !== id), o.threshold);
    const root = best ? best.record.root : id;
    await tx.add({ id, root, sig }, bands);
    return { duplicateOf: best ? root : null, score: best?.score ?? 0, matched: best?.record.id ?? null };
  });
}

/** An in-process index: for benchmarks, batch tools and tests of the decision itself. */
export class MemoryDupIndex implements DupIndex {
  private readonly records = new Map<string, IndexedSignature>();
  private readonly buckets = new Map<string, string[]>();
  private queue: Promise<unknown> = Promise.resolve();

  transaction<T>(fn: (tx: DupIndexTxn) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn(this.txn));
    this.queue = run.catch(() => {});
    return run;
  }

  private readonly txn: DupIndexTxn = {
    get: async (id) => this.records.get(id) ?? null,
    candidates: async (bands) => {
      const ids = new Set<string>();
      bands.forEach((key, b) => {
        for (const id of this.buckets.get(`${b}:${key}`) ?? []) ids.add(id);
      });
      return [...ids].map((id) => this.records.get(id)!);
    },
    add: async (record, bands) => {
      this.records.set(record.id, record);
      bands.forEach((key, b) => {
        const list = this.buckets.get(`${b}:${key}`) ?? [];
        list.push(record.id);
        this.buckets.set(`${b}:${key}`, list);
      });
    },
  };
}
