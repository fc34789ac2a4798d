// Which items of a feed document are new, and (with fetch.reprocessChanged) which seen ones have
// changed. An item is remembered by its GUID and its canonical URL, either one seen meaning seen,
// in a per-feed sorted set scored by first-seen time and trimmed to the newest N items. Content
// hashes live in a side hash that holds exactly the items of the latest document, so it is
// bounded by the feed's own length and needs no trimming.
import type { Redis } from 'ioredis';
import { shortHash, type Keys } from '../../shared/keys.js';
import { articleId, canonicalUrl, resolveUrl } from '../../shared/url.js';
import type { FeedItem } from './feed-parse.js';

export interface Candidate {
  item: FeedItem;
  id: string;
  link: string;
  members: string[];
  /** Hash of content + summary (titles are left out: headlines are rewritten all day). */
  hash: string;
}

export function contentHash(item: Pick<FeedItem, 'content' | 'summary'>): string {
  return shortHash(`${item.content ?? ''}\u0000${item.summary ?? ''}`, 12);
}

/** Items with a usable link, each article once (the first occurrence wins). */
export function candidatesOf(items: readonly FeedItem[], baseUrl: string): Candidate[] {
  const out: Candidate[] = [];
  const ids = new Set<string>();
  for (const item of items) {
    const link = item.link ? resolveUrl(item.link, baseUrl) : null;
    if (!link) continue;
    const canonical = canonicalUrl(link);
    const id = articleId(canonical);
    if (ids.has(id)) continue;
    ids.add(id);
    const members = [`u:${canonical}`];
    if (item.id) members.push(`g:${item.id}`);
    out.push({ item, id, link, members, hash: contentHash(item) });
  }
  return out;
}

export interface Triage {
  fresh: Candidate[];
  /** Seen before, but content or summary differs from the last document's. */
  changed: Candidate[];
}

export async function triage(redis: Redis, keys: Keys, fid: string, candidates: Candidate[], withChanges: boolean): Promise<Triage> {
  if (!candidates.length) return { fresh: [], changed: [] };
  const scores = await redis.zmscore(keys.seen(fid), ...candidates.flatMap((c) => c.members));
  const previous = withChanges ? await redis.hmget(keys.itemHashes(fid), ...candidates.map((c) => c.id)) : [];
  const fresh: Candidate[] = [];
  const changed: Candidate[] = [];
  let offset = 0;
  candidates.forEach((c, i) => {
    const seen = c.members.some((_, j) => scores[offset + j] !== null);
    offset += c.members.length;
    if (!seen) fresh.push(c);
    // No previous hash (first poll with the option on, or the item left and came back): unchanged.
    else if (withChanges && previous[i] && previous[i] !== c.hash) changed.push(c);
  });
  return { fresh, changed };
}

/** Remember the fresh items (and, with hashes, every item's current hash) in one transaction. */
export function rememberItems(
  tx: ReturnType<Redis['multi']>,
  keys: Keys,
  fid: string,
  opts: {
    fresh: Candidate[];
    all: Candidate[];
    keep: number;
    withChanges: boolean;
    at: number;
    /** Sitemaps: forget by age instead (items first seen before this ms), keeping `keep` at most. */
    forgetBefore?: number;
  },
): void {
  const seenKey = keys.seen(fid);
  if (opts.fresh.length) {
    tx.zadd(seenKey, ...opts.fresh.flatMap((c) => c.members.flatMap((m) => [opts.at, m])));
    // A sitemap offers only its recent entries, but may offer many thousands of them across its
    // files: it remembers everything seen within its window, however many.
    if (opts.forgetBefore !== undefined) tx.zremrangebyscore(seenKey, '-inf', `(${opts.forgetBefore}`);
    // Keep the newest N items (two members per item at most).
    tx.zremrangebyrank(seenKey, 0, -(opts.keep * 2 + 1));
  }
  if (opts.withChanges) {
    tx.del(keys.itemHashes(fid));
    if (opts.all.length) tx.hset(keys.itemHashes(fid), Object.fromEntries(opts.all.map((c) => [c.id, c.hash])));
  }
}
