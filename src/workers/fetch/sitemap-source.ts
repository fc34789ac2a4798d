// A sitemap polled like a feed (feed.worker.ts hands over when the body is a sitemap): the file
// itself, and for an index its children, down to sitemaps.maxDepth. News, not the archive:
//
// - an entry is taken when its date (news:publication_date, else lastmod) is within
//   sitemaps.maxAge (or the backfill's range); an index's child whose own lastmod is older than
//   that is not fetched at all;
// - a child is re-read only when its lastmod in the index changed (or it has none), and then
//   with a conditional GET of its own; at most sitemaps.maxChildren children per poll;
// - entries with no date (plain-text sitemaps) are taken when they appear in a file after its
//   first read (sitemaps.undated: new): the first read of a file is its archive. What each file
//   listed is kept as 8-byte URL hashes, one Redis string per file.
//
// Hostile sitemaps fail their source with a reason: an index that lists itself or loops, depth
// past the limit, a file over 50 MB or 50,000 entries, a gzip bomb, entity declarations, or a
// file whose every URL is on another site (sitemaps.org lets a sitemap list only its own host's
// URLs; entries on other hosts are dropped and counted). In an index, such a child (or one that
// answers 404) is skipped with a warning while its siblings are read; the source fails when no
// due child could be read, or at once for a loop or an index nested too deep.
//
// Nothing here writes the poll's outcome: the caller writes `fileState` and `urlSets` in the
// same transaction that remembers the queued items, so a crash between reading and queueing
// re-reads the files instead of losing their entries.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';
import { PermanentError, RetryableError } from '../../shared/errors.js';
import { shortHash, type Keys } from '../../shared/keys.js';
import type { HttpResponse } from '../../shared/http.js';
import { canonicalUrl } from '../../shared/url.js';
import type { FeedItem } from './feed-types.js';
import { parseSitemap, siteHost, sitemapText, type SitemapRef, type SitemapUrl } from './sitemap.js';

/** How long the URL list of a file no longer read is kept (refreshed on every read). */
const URL_SET_TTL_S = 30 * 86_400;

export interface SitemapFileState {
  lastmod?: string | null;
  etag?: string | null;
  lastModified?: string | null;
  /** When it was last read (ms); absent for a child only ever listed (deferred, or failed). */
  readAt?: number;
}

export interface SitemapReadOptions {
  config: Config;
  redis: Redis;
  keys: Keys;
  /** Feed id of the source (the configured URL's). */
  fid: string;
  /** The root file as fetched (200), and the URL it was asked for (before redirects). */
  root: HttpResponse;
  requestedUrl?: string;
  /** The source had a successful sitemap poll before: a child file it never listed is new. */
  polledBefore?: boolean;
  /** Fetch a child file, conditionally when `cond` is given (a 304 comes back as status 304). */
  fetch: (url: string, cond: SitemapFileState | null) => Promise<HttpResponse>;
  now: number;
  /** Backfill: take entries dated in [since, until] instead of the last sitemaps.maxAge, and undated ones only with `undated`. */
  range?: { since: number; until: number; undated: boolean };
  /** Backfill: read every child in the range, changed or not, up to this many (default sitemaps.maxChildren). */
  allChildren?: boolean;
  maxChildren?: number;
}

export interface SitemapRead {
  /** The entries taken, as feed items (link = loc, title = news:title, published = its date). */
  items: FeedItem[];
  /** The outlet's name as its news sitemap gives it (the most frequent news:name), or null. */
  title: string | null;
  /** Dates of every dated entry read, for the adaptive poll interval. */
  dates: string[];
  /** Per child file: what to remember (hash field → JSON). */
  fileState: Record<string, string>;
  /** Per file read with undated entries: its URL list (key → 8-byte hashes). */
  urlSets: Map<string, Buffer>;
  /** URL lists of files not read this poll (unchanged), whose expiry is pushed back. */
  touched: string[];
  /** Children left for the next poll (over the per-poll cap, or failed): the next poll must look at the index even if it did not change. */
  pending: number;
  stats: {
    files: number;
    entries: number;
    taken: number;
    tooOld: number;
    undatedSkipped: number;
    foreign: number;
    childrenOld: number;
    childrenUnchanged: number;
    childrenDeferred: number;
    /** Children that could not be read this poll (tried again next poll). */
    childrenFailed: number;
  };
  warnings: string[];
}

const urlHash = (url: string): Buffer => createHash('sha1').update(canonicalUrl(url)).digest().subarray(0, 8);

function hashSet(blob: Buffer | null): Set<string> | null {
  if (!blob) return null;
  const set = new Set<string>();
  for (let i = 0; i + 8 <= blob.length; i += 8) set.add(blob.toString('hex', i, i + 8));
  return set;
}

export async function readSitemapSource(o: SitemapReadOptions): Promise<SitemapRead> {
  const { config, redis, keys, fid } = o;
  const limits = config.sitemaps;
  const since = o.range?.since ?? o.now - limits.maxAge;
  const until = o.range?.until ?? Number.POSITIVE_INFINITY;
  const publications = new Map<string, number>();
  const read: SitemapRead = {
    items: [],
    title: null,
    dates: [],
    fileState: {},
    urlSets: new Map(),
    touched: [],
    pending: 0,
    stats: { files: 0, entries: 0, taken: 0, tooOld: 0, undatedSkipped: 0, foreign: 0, childrenOld: 0, childrenUnchanged: 0, childrenDeferred: 0, childrenFailed: 0 },
    warnings: [],
  };
  const stateKey = keys.sitemapFiles(fid);
  const known = new Map<string, SitemapFileState>();
  /** Files read in this poll: a file two sub-indexes both list is read once. */
  const readThisPoll = new Set<string>();
  let fetched = 0;
  const seenLocs = new Set<string>();
  const urlSetKey = (fileUrl: string) => keys.sitemapUrls(fid, shortHash(canonicalUrl(fileUrl)));

  /** The site a file speaks for: the host it was asked for and every host its redirects passed. */
  const sitesOf = (res: HttpResponse, requested: string) => new Set([requested, ...res.redirects, res.url].map(siteHost));

  /**
   * Take a file's entries. `previousOf` says what to compare undated entries with when the file
   * has no URL list yet: null (its first read is the archive) or an empty set (a new file).
   */
  const takeEntries = async (fileUrl: string, sites: Set<string>, urls: SitemapUrl[], isNewFile: boolean) => {
    const own = urls.filter((u) => sites.has(siteHost(u.loc)));
    if (urls.length && !own.length) {
      throw new PermanentError(
        'sitemap_foreign_urls',
        `${fileUrl}: every one of its ${urls.length} URLs is on another site than the sitemap's (${[...sites].join(', ')}); a sitemap may list only its own site's pages`,
      );
    }
    read.stats.foreign += urls.length - own.length;
    read.stats.entries += urls.length;
    // Undated entries' URL hashes, computed once: the file's new list and the lookups in the old.
    const undated = new Map(own.filter((u) => !(u.news?.published ?? u.lastmod)).map((u) => [u.loc, urlHash(u.loc)]));
    let previous: Set<string> | null = null;
    if (undated.size && limits.undated === 'new' && !o.range) {
      const key = urlSetKey(fileUrl);
      previous = hashSet(await redis.getBuffer(key)) ?? (isNewFile ? new Set() : null);
      read.urlSets.set(key, Buffer.concat([...undated.values()]));
    }
    for (const u of own) {
      if (u.news?.publication) publications.set(u.news.publication, (publications.get(u.news.publication) ?? 0) + 1);
      const date = u.news?.published ?? u.lastmod;
      let take: boolean;
      if (date) {
        read.dates.push(date);
        const t = Date.parse(date);
        take = t >= since && t <= until;
        if (!take) read.stats.tooOld += 1;
      } else {
        // Undated: new when this file was read before and did not list it (a backfill says).
        take = o.range ? o.range.undated : previous !== null && !previous.has(undated.get(u.loc)!.toString('hex'));
        if (!take) read.stats.undatedSkipped += 1;
      }
      if (!take || seenLocs.has(u.loc)) continue;
      seenLocs.add(u.loc);
      read.items.push(toItem(u));
    }
  };

  /** Read one file; `path` is the chain of files above it (their canonical URLs), for loops. */
  const readFile = async (res: HttpResponse, requested: string, depth: number, path: string[], isNewFile: boolean): Promise<void> => {
    read.stats.files += 1;
    const here = [...new Set([requested, ...res.redirects, res.url].map(canonicalUrl))];
    for (const u of here) readThisPoll.add(u);
    const text = sitemapText(res.body, res.url, { maxBytes: limits.maxBytes, contentType: res.contentType });
    const parsed = parseSitemap(text, res.url, { maxUrls: limits.maxUrls });
    for (const w of parsed.warnings) read.warnings.push(`${res.url}: ${w}`);
    const sites = sitesOf(res, requested);
    if (parsed.kind !== 'sitemapindex') return takeEntries(requested, sites, parsed.urls, isNewFile);
    if (depth >= limits.maxDepth) {
      throw new PermanentError('sitemap_too_deep', `${res.url}: an index ${depth} levels below the sitemap polled (sitemaps.maxDepth is ${limits.maxDepth})`);
    }
    const ancestors = new Set([...path, ...here]);
    const children = await childrenToRead(res.url, sites, parsed.sitemaps, ancestors);
    // One broken child (a stale 404 entry, a file over the limits) is skipped with a warning and
    // tried again next poll; the index's other children are still read. A loop or an index too
    // deep fails the source, and so does an index none of whose due children could be read.
    let failed: Error | null = null;
    let readOk = 0;
    for (const child of children) {
      const previous = known.get(child.loc) ?? {};
      try {
        const got = await o.fetch(child.loc, o.allChildren || previous.readAt === undefined ? null : previous);
        if (got.status === 304) {
          read.stats.childrenUnchanged += 1;
          read.fileState[child.loc] = JSON.stringify({ ...previous, lastmod: child.lastmod, readAt: o.now });
          read.touched.push(urlSetKey(child.loc));
          readOk += 1;
          continue;
        }
        // A child the index never listed before, in a source polled before, is a new file.
        const newFile = Boolean(o.polledBefore) && Object.keys(previous).length === 0;
        await readFile(got, child.loc, depth + 1, [...ancestors], newFile);
        read.fileState[child.loc] = JSON.stringify({ lastmod: child.lastmod, etag: got.etag, lastModified: got.lastModified, readAt: o.now });
        readOk += 1;
      } catch (err) {
        const hostile = err instanceof PermanentError && (err.code === 'sitemap_loop' || err.code === 'sitemap_too_deep');
        if (hostile || !(err instanceof PermanentError || err instanceof RetryableError)) throw err;
        failed ??= err;
        read.stats.childrenFailed += 1;
        read.warnings.push(`${child.loc}: ${err.code}: ${err.message}`);
        // Listed, not read: its first successful read is then an archive, not a new file.
        read.fileState[child.loc] = JSON.stringify({ ...previous, lastmod: previous.lastmod ?? null });
      }
    }
    if (failed && readOk === 0) throw failed;
  };

  /** The children of an index worth fetching now, within the per-poll cap. */
  const childrenToRead = async (indexUrl: string, sites: Set<string>, refs: SitemapRef[], ancestors: Set<string>): Promise<SitemapRef[]> => {
    const sameSite = refs.filter((r) => sites.has(siteHost(r.loc)));
    if (refs.length && !sameSite.length) {
      throw new PermanentError('sitemap_foreign_urls', `${indexUrl}: every child sitemap it lists is on another site than the index's (${[...sites].join(', ')})`);
    }
    if (sameSite.length < refs.length) read.warnings.push(`${indexUrl}: ${refs.length - sameSite.length} child sitemap(s) on other sites left out`);
    const fields = sameSite.map((r) => r.loc).filter((loc) => !known.has(loc));
    if (fields.length) {
      const values = await redis.hmget(stateKey, ...fields);
      fields.forEach((loc, i) => known.set(loc, values[i] ? (JSON.parse(values[i]!) as SitemapFileState) : {}));
    }
    const due: SitemapRef[] = [];
    const listed = new Set<string>();
    for (const r of sameSite) {
      const key = canonicalUrl(r.loc);
      if (listed.has(key)) continue;
      listed.add(key);
      if (ancestors.has(key)) {
        throw new PermanentError('sitemap_loop', `${indexUrl} lists ${r.loc}, which is itself or an index above it: an index that lists itself or loops`);
      }
      if (readThisPoll.has(key)) continue;
      const t = r.lastmod ? Date.parse(r.lastmod) : NaN;
      if (Number.isFinite(t) && t < since) {
        read.stats.childrenOld += 1;
        continue;
      }
      const state = known.get(r.loc) ?? {};
      if (!o.allChildren && r.lastmod && state.readAt !== undefined && state.lastmod === r.lastmod) {
        read.stats.childrenUnchanged += 1;
        read.touched.push(urlSetKey(r.loc));
        continue;
      }
      due.push(r);
    }
    // Newest lastmod first; among equals (and children without one), the longest unread first,
    // so a cap never starves the same children poll after poll.
    const lastmodOf = (r: SitemapRef) => (r.lastmod ? Date.parse(r.lastmod) : 0);
    due.sort((a, b) => lastmodOf(b) - lastmodOf(a) || (known.get(a.loc)?.readAt ?? 0) - (known.get(b.loc)?.readAt ?? 0));
    const room = Math.max(0, (o.maxChildren ?? limits.maxChildren) - fetched);
    const deferred = due.slice(room);
    read.stats.childrenDeferred += deferred.length;
    // Listed, not read yet: recorded, so that its first read is an archive, not a new file.
    for (const r of deferred) if (!Object.keys(known.get(r.loc) ?? {}).length) read.fileState[r.loc] = JSON.stringify({ lastmod: null });
    const now = due.slice(0, room);
    fetched += now.length;
    return now;
  };

  const requested = o.requestedUrl ?? o.root.url;
  await readFile(o.root, requested, 0, [], false);
  read.stats.taken = read.items.length;
  read.pending = read.stats.childrenDeferred + read.stats.childrenFailed;
  read.title = [...publications].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return read;
}

/** Write what a read learned (in the caller's transaction, after its items are queued). */
export function rememberSitemapRead(tx: ReturnType<Redis['multi']>, keys: Keys, fid: string, read: SitemapRead): void {
  if (Object.keys(read.fileState).length) tx.hset(keys.sitemapFiles(fid), read.fileState);
  for (const [key, blob] of read.urlSets) tx.set(key, blob, 'EX', URL_SET_TTL_S);
  for (const key of read.touched) tx.expire(key, URL_SET_TTL_S);
}

/** An unchanged (304) root keeps its URL list alive too. */
export function touchSitemapRoot(tx: ReturnType<Redis['multi']>, keys: Keys, fid: string, rootUrl: string): void {
  tx.expire(keys.sitemapUrls(fid, shortHash(canonicalUrl(rootUrl))), URL_SET_TTL_S);
}

function toItem(u: SitemapUrl): FeedItem {
  return {
    title: u.news?.title ?? null,
    link: u.loc,
    id: u.loc,
    published: u.news?.published ?? u.lastmod,
    author: null,
    summary: null,
    content: null,
    ...(u.images[0] ? { image: u.images[0] } : {}),
    ...(u.news?.keywords.length ? { categories: u.news.keywords } : {}),
    ...(u.news?.language ? { lang: u.news.language } : {}),
  };
}
