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
    /** Set of every feed id with state, for listing. */
    feedIndex: () => k('feeds'),
    /** Hash feed id → JSON of feeds added at run time (CLI), beside the config's. */
    feedRegistry: () => k('feeds', 'added'),
    /** Gzipped page body waiting for extraction. */
    body: (articleId: string) => k('body', articleId),
    /** Set of article ids a sink has durably written. */
    sinkDone: (sink: string) => k('sink', sink, 'done'),
    /** Hash of pipeline-wide counters: retry:<queue>, stored:<sink>. */
    stats: () => k('stats'),
    /** Prefix under which the story index keeps its keys. */
    stories: () => k('stories'),
  };
}

export type Keys = ReturnType<typeof keysFor>;
