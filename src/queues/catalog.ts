// The job catalog: every job the pipeline runs, declared once with its queue, payload schema and
// default options. Every payload type is derived from here (`PayloadOf<'article.extract'>`).
// Payloads change additively: new fields are optional so jobs already queued still parse.
//
//   feed.poll ──> article.fetch ──> article.extract ──> article.classify ──> article.store (one per sink)
//     feed           page             extract             classify             store
import { z } from 'zod';
import type { DefaultJobOptions } from 'bullmq';
import { articleContentSchema, feedRefSchema as feedRef, storedArticleSchema } from '../shared/types.js';

const itemHint = z.object({
  title: z.string().nullable(),
  published: z.string().nullable(),
  author: z.string().nullable(),
  guid: z.string().nullable(),
  /** What a news sitemap declares: news:language and news:keywords. */
  lang: z.string().optional(),
  keywords: z.array(z.string()).optional(),
});

const times = z.object({
  discovered: z.string(),
  fetched: z.string().optional(),
  extracted: z.string().optional(),
  classified: z.string().optional(),
});

export const SINK_NAMES = ['jsonl', 'postgres', 'webhook', 'stream'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

/** Exponential backoff with jitter, never sooner than a server's Retry-After (see runner). */
export const BACKOFF_TYPE = 'jittered';

const retried = (attempts: number, delay: number): DefaultJobOptions => ({
  attempts,
  backoff: { type: BACKOFF_TYPE, delay },
  // Bounded: Redis must not grow with uptime. Failed jobs are kept longer: they are the dead letters.
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 10_000, age: 14 * 24 * 3600 },
});

export const catalog = {
  'feed.poll': {
    queue: 'feed',
    schema: z.object({ feedUrl: z.string(), name: z.string().nullable() }),
    options: { ...retried(1, 0), removeOnComplete: { count: 200 }, removeOnFail: { count: 1000 } },
    // A failed poll is not lost work: the schedule polls again (with backoff) and feed health
    // keeps the reason. Warn, don't page anyone.
    failureLevel: 'warn',
  },
  'article.fetch': {
    queue: 'page',
    schema: z.object({
      id: z.string(),
      url: z.string(),
      feed: feedRef,
      item: itemHint,
      times,
    }),
    options: retried(5, 5_000),
  },
  'article.extract': {
    queue: 'extract',
    schema: z.object({
      id: z.string(),
      url: z.string(),
      finalUrl: z.string(),
      /** Redis key holding the gzipped page body (deleted once extracted). */
      bodyKey: z.string(),
      feed: feedRef,
      item: itemHint,
      times,
    }),
    options: retried(3, 2_000),
  },
  'article.classify': {
    queue: 'classify',
    schema: z.object({
      id: z.string(),
      feed: feedRef,
      article: articleContentSchema.extend({
        /**
         * Deprecated, sent empty: `text` holds the paragraphs, joined by blank lines, and this
         * is the largest payload that crosses Redis. Kept (as []) so that classify workers of
         * the previous release, which require the field, still parse jobs during a rolling
         * upgrade; drop it in the release after.
         */
        paragraphs: z.array(z.string()).optional(),
      }),
      times,
    }),
    options: retried(5, 2_000),
  },
  'article.store': {
    queue: 'store',
    schema: z.object({ sink: z.enum(SINK_NAMES), article: storedArticleSchema }),
    options: retried(10, 2_000),
  },
} as const satisfies Record<
  string,
  { queue: string; schema: z.ZodType; options: DefaultJobOptions; failureLevel?: 'warn' | 'error' }
>;

export type JobName = keyof typeof catalog;
export type QueueName = (typeof catalog)[JobName]['queue'];
export type PayloadOf<N extends JobName> = z.output<(typeof catalog)[N]['schema']>;

export const QUEUE_NAMES = [...new Set(Object.values(catalog).map((c) => c.queue))] as QueueName[];

export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(catalog) as JobName[]).filter((n) => catalog[n].queue === queue);
}

/**
 * Deterministic job ids make every enqueue idempotent. BullMQ forbids ':' in custom ids and
 * all-digit ids; article ids are `a<hex>` so neither can happen.
 */
export function jobIdFor<N extends JobName>(name: N, payload: PayloadOf<N>): string | undefined {
  switch (name) {
    case 'article.fetch':
      return `page-${(payload as PayloadOf<'article.fetch'>).id}`;
    case 'article.extract':
      return `extract-${(payload as PayloadOf<'article.extract'>).id}`;
    case 'article.classify':
      return `classify-${(payload as PayloadOf<'article.classify'>).id}`;
    case 'article.store': {
      const p = payload as PayloadOf<'article.store'>;
      return `store-${p.sink}-${p.article.id}`;
    }
    default:
      return undefined;
  }
}
