// Every Redis key newsflow writes outside BullMQ's own, under the configured prefix.
// With a hash-tagged prefix (`{newsflow}`) they all land in one Redis Cluster slot with the queues.
import { createHash } from 'node:crypto';

export function shortHash(text: string, length = 16): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** Stable id of a feed from its URL; safe in job ids and keys. */
export function feedId(feedUrl: string): string {
  return `f${shortHash(feedUrl.trim())}`;
}

export function keysFor(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'nf', ...parts].join(':');
  return {
    /** Hash: etag, lastModified, lastSuccess, lastError, failures, ... */
    feedState: (fid: string) => k('feed', fid),
    /** Sorted set of remembered item keys (guid / canonical URL), scored by first-seen time. */
    seen: (fid: string) => k('seen', fid),
    /** Hash of content hashes of the items in a feed's latest document (fetch.reprocessChanged). */
    itemHashes: (fid: string) => k('seen', fid, 'hashes'),
    /** Hash per sitemap source: child sitemap URL → JSON {lastmod, etag, lastModified} of its last read. */
    sitemapFiles: (fid: string) => k('sitemap', fid, 'files'),
    /** One sitemap file's undated URLs at its last read, as 8-byte hashes (sitemaps.undated: new). */
    sitemapUrls: (fid: string, file: string) => k('sitemap', fid, 'urls', file),
    /** Short lock held while one process polls a feed, so two never poll it at once. */
    feedLock: (fid: string) => k('feed', fid, 'lock'),
    /** Sorted set of request leases to one host (token scored by expiry), across processes. */
    hostLeases: (host: string) => k('host', host, 'leases'),
    /** Hash per host: last request start, notBefore (Retry-After), crawlDelay (robots.txt). */
    hostState: (host: string) => k('host', host),
    /** A host's robots.txt rules as JSON, cached with a TTL; and the lock of whoever fetches it. */
    robots: (host: string) => k('robots', host),
    robotsLock: (host: string) => k('robots', host, 'lock'),
    /** Set of every feed id with state, for listing. */
    feedIndex: () => k('feeds'),
    /** Hash feed id → JSON of feeds added at run time (CLI), beside the config's. */
    feedRegistry: () => k('feeds', 'added'),
    /** Gzipped page body waiting for extraction. */
    body: (articleId: string) => k('body', articleId),
    /** Sorted set of the article versions a sink has durably written, by write time (JSONL: one per file, `:<file>`). */
    sinkWritten: (sink: string) => k('sink', sink, 'written'),
    /** The plain sets of versions written by releases before sinkWritten; read until they expire. */
    sinkDoneLegacy: (sink: string) => k('sink', sink, 'done'),
    /** Jobs of a queue finished in one 10-second bucket (for "done per minute"); expires. */
    doneBucket: (queue: string, bucket: number) => k('done', queue, String(bucket)),
    /** Hash of pipeline-wide counters: retry:<queue>, stored:<sink>. */
    stats: () => k('stats'),
    /** Prefix under which learned per-site boilerplate lives (see site-boilerplate.ts). */
    siteBoilerplate: () => k('boilerplate'),
    /** Prefix under which the near-duplicate index keeps its keys (see dup-index.redis.ts). */
    duplicates: () => k('dups'),
    /** Prefix under which the story index keeps its keys. */
    stories: () => k('stories'),
  };
}

export type Keys = ReturnType<typeof keysFor>;
