// The shapes that cross stage boundaries: what extraction produces, what classification adds,
// and what a sink receives. Declared once, as zod schemas, so that the job catalog validates
// exactly what the pure modules produce; every TypeScript type here is derived from them.
// Nothing here does I/O.
import { z } from 'zod';

export const topicScoreSchema = z.object({
  label: z.string(),
  /** 0..1; model probability, or 1 for a matched watch topic. */
  score: z.number(),
  source: z.enum(['model', 'watch']),
});

export const entitySchema = z.object({
  name: z.string(),
  type: z.enum(['person', 'place', 'organization']),
  count: z.number(),
});

/** Page metadata (meta tags, JSON-LD, markup), as extraction reads it. */
export const pageMetadataSchema = z.object({
  /** `<link rel=canonical>` / og:url when the page declares one, resolved absolute. */
  canonicalUrl: z.string().nullable(),
  title: z.string().nullable(),
  byline: z.string().nullable(),
  /** ISO-8601 UTC, or null when the page does not say. */
  published: z.string().nullable(),
  siteName: z.string().nullable(),
  /** Language the page declares (`<html lang>`, meta), ISO 639-1 lower-case, or null. */
  lang: z.string().nullable(),
  leadImage: z.string().nullable(),
  excerpt: z.string().nullable(),
});

/** One article as extraction leaves it, less the HTML and fingerprints (what travels on). */
export const articleContentSchema = pageMetadataSchema.extend({
  /** The URL the page was fetched from (after redirects). */
  url: z.string(),
  /** The article's blocks (paragraphs, subheadings, list items, quotes) in reading order. */
  paragraphs: z.array(z.string()),
  /** `paragraphs.join('\n\n')`. */
  text: z.string(),
  wordCount: z.number(),
});

/** The pure output of `extractArticle`. */
export const extractedArticleSchema = articleContentSchema.extend({
  /** Sanitised article HTML (no scripts, styles, event handlers, or removed boilerplate). */
  html: z.string(),
  /** Fingerprints of the kept blocks, for per-site boilerplate learning (layer 4). */
  fingerprints: z.array(z.string()),
});

export const feedRefSchema = z.object({ url: z.string(), name: z.string().nullable() });

/** The record every sink receives: one per article, keyed by `id`. */
export const storedArticleSchema = z.object({
  /** Stable hash of the canonical URL. */
  id: z.string(),
  url: z.string(),
  ...pageMetadataSchema.omit({ excerpt: true }).shape,
  feed: feedRefSchema,
  text: z.string(),
  wordCount: z.number(),
  /** Best first. */
  topics: z.array(topicScoreSchema),
  entities: z.array(entitySchema),
  story: z.string(),
  /** The id of the earliest stored article whose text this one copies (a near-duplicate), or null. */
  duplicateOf: z.string().nullable().default(null),
  times: z.object({ discovered: z.string(), fetched: z.string(), extracted: z.string(), classified: z.string() }),
});

export type TopicScore = z.output<typeof topicScoreSchema>;
export type Entity = z.output<typeof entitySchema>;
export type EntityType = Entity['type'];
export type PageMetadata = z.output<typeof pageMetadataSchema>;
export type ArticleContent = z.output<typeof articleContentSchema>;
export type ExtractedArticle = z.output<typeof extractedArticleSchema>;
export type StoredArticle = z.output<typeof storedArticleSchema>;

/** What classification adds to an article (pure output of `classifyArticle`). */
export interface Classification {
  /** ISO 639-1, or null when the text is too short to tell. */
  lang: string | null;
  /** Best first. */
  topics: TopicScore[];
  entities: Entity[];
}
