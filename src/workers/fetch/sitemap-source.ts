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
    stats: { files: 0, entries: 0, taken: 0, tooOld: 0, undatedSkipped: 0, foreign: 0, childrenOld: 0, childrenUnchanged: 0, childrenDeferred: 0, childrenFailed: 0 },
    warnings: [],
  };
  const stateKey = keys.sitemapFiles(fid);
  const known = new Map<string, SitemapFileState>();
  const visited = new Set<string>([o.root.url, ...o.root.redirects, ...(o.requestedUrl ? [o.requestedUrl] : [])].map(canonicalUrl));
  let fetched = 0;
  const seenLocs = new Set<string>();

  const takeEntries = async (fileUrl: string, urls: SitemapUrl[]) => {
    const host = siteHost(fileUrl);
    const own = urls.filter((u) => siteHost(u.loc) === host);
    const foreign = urls.length - own.length;
    if (urls.length && !own.length) {
      throw new PermanentError(
        'sitemap_foreign_urls',
        `${fileUrl}: every one of its ${urls.length} URLs is on another site than the sitemap's (${host}); a sitemap may list only its own site's pages`,
      );
    }
    read.stats.foreign += foreign;
    read.stats.entries += urls.length;
    const undated = own.filter((u) => !(u.news?.published ?? u.lastmod));
    let previous: Set<string> | null = null;
    const setKey = keys.sitemapUrls(fid, shortHash(canonicalUrl(fileUrl)));
    if (undated.length && limits.undated === 'new' && !o.range) {
      previous = hashSet(await redis.getBuffer(setKey));
      read.urlSets.set(setKey, Buffer.concat(undated.map((u) => urlHash(u.loc))));
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
        take = o.range ? o.range.undated : previous !== null && !previous.has(urlHash(u.loc).toString('hex'));
        if (!take) read.stats.undatedSkipped += 1;
      }
      if (!take || seenLocs.has(u.loc)) continue;
      seenLocs.add(u.loc);
      read.items.push(toItem(u));
    }
  };

  const readFile = async (res: HttpResponse, depth: number): Promise<void> => {
    read.stats.files += 1;
    const text = sitemapText(res.body, res.url, { maxBytes: limits.maxBytes, contentType: res.contentType });
    const parsed = parseSitemap(text, res.url, { maxUrls: limits.maxUrls });
    for (const w of parsed.warnings) read.warnings.push(`${res.url}: ${w}`);
    if (parsed.kind !== 'sitemapindex') return takeEntries(res.url, parsed.urls);
    if (depth >= limits.maxDepth) {
      throw new PermanentError('sitemap_too_deep', `${res.url}: an index ${depth} levels below the sitemap polled (sitemaps.maxDepth is ${limits.maxDepth})`);
    }
    const children = await childrenToRead(res.url, parsed.sitemaps);
    // One broken child (a stale 404 entry, a file over the limits) is skipped with a warning and
    // tried again next poll; the index's other children are still read. A loop or an index too
    // deep fails the source, and so does an index none of whose due children could be read.
    let failed: Error | null = null;
    let readOk = 0;
    for (const child of children) {
      const previous = known.get(child.loc) ?? null;
      try {
        const got = await o.fetch(child.loc, o.allChildren ? null : previous);
        if (got.status === 304) {
          read.stats.childrenUnchanged += 1;
          read.fileState[child.loc] = JSON.stringify({ ...previous, lastmod: child.lastmod });
          readOk += 1;
          continue;
        }
        visited.add(canonicalUrl(got.url));
        await readFile(got, depth + 1);
        read.fileState[child.loc] = JSON.stringify({ lastmod: child.lastmod, etag: got.etag, lastModified: got.lastModified });
        readOk += 1;
      } catch (err) {
        const hostile = err instanceof PermanentError && (err.code === 'sitemap_loop' || err.code === 'sitemap_too_deep');
        if (hostile || !(err instanceof PermanentError || err instanceof RetryableError)) throw err;
        failed ??= err;
        read.stats.childrenFailed += 1;
        read.warnings.push(`${child.loc}: ${err.code}: ${err.message}`);
      }
    }
    if (failed && readOk === 0) throw failed;
  };

  /** The children of an index worth fetching now, newest first, within the per-poll cap. */
  const childrenToRead = async (indexUrl: string, refs: SitemapRef[]): Promise<SitemapRef[]> => {
    const host = siteHost(indexUrl);
    const sameSite = refs.filter((r) => siteHost(r.loc) === host);
    if (refs.length && !sameSite.length) {
      throw new PermanentError('sitemap_foreign_urls', `${indexUrl}: every child sitemap it lists is on another site than the index's (${host})`);
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
      if (listed.has(r.loc)) continue;
      listed.add(r.loc);
      if (visited.has(canonicalUrl(r.loc))) {
        throw new PermanentError('sitemap_loop', `${indexUrl} lists ${r.loc}, which this poll already read: an index that lists itself or loops`);
      }
      const t = r.lastmod ? Date.parse(r.lastmod) : NaN;
      if (Number.isFinite(t) && t < since) {
        read.stats.childrenOld += 1;
        continue;
      }
      if (!o.allChildren && r.lastmod && known.get(r.loc)?.lastmod === r.lastmod) {
        read.stats.childrenUnchanged += 1;
        continue;
      }
      due.push(r);
    }
    due.sort((a, b) => (b.lastmod ? Date.parse(b.lastmod) : 0) - (a.lastmod ? Date.parse(a.lastmod) : 0));
    const room = Math.max(0, (o.maxChildren ?? limits.maxChildren) - fetched);
    read.stats.childrenDeferred += Math.max(0, due.length - room);
    const now = due.slice(0, room);
    fetched += now.length;
    return now;
  };

  await readFile(o.root, 0);
  read.stats.taken = read.items.length;
  read.title = [...publications].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return read;
}

/** Write what a read learned (in the caller's transaction, after its items are queued). */
export function rememberSitemapRead(tx: ReturnType<Redis['multi']>, keys: Keys, fid: string, read: SitemapRead): void {
  if (Object.keys(read.fileState).length) tx.hset(keys.sitemapFiles(fid), read.fileState);
  for (const [key, blob] of read.urlSets) tx.set(key, blob, 'EX', URL_SET_TTL_S);
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
