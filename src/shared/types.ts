// The shapes that cross stage boundaries: what extraction produces, what classification adds,
// and what a sink receives. Pure modules and workers share these; nothing here does I/O.

/** One article as extraction leaves it (pure output of `extractArticle`). */
export interface ExtractedArticle {
  /** The URL the page was fetched from (after redirects). */
  url: string;
  /** `<link rel=canonical>` / og:url when the page declares one, resolved absolute. */
  canonicalUrl: string | null;
  title: string | null;
  byline: string | null;
  /** ISO-8601 UTC, or null when the page does not say. */
  published: string | null;
  siteName: string | null;
  /** Language the page declares (`<html lang>`, meta), ISO 639-1 lower-case, or null. */
  lang: string | null;
  leadImage: string | null;
  excerpt: string | null;
  /** The article's blocks (paragraphs, subheadings, list items, quotes) in reading order. */
  paragraphs: string[];
  /** `paragraphs.join('\n\n')`. */
  text: string;
  /** Sanitised article HTML (no scripts, styles, event handlers, or removed boilerplate). */
  html: string;
  wordCount: number;
  /** Fingerprints of the kept blocks, for per-site boilerplate learning (layer 4). */
  fingerprints: string[];
}

export interface TopicScore {
  label: string;
  /** 0..1; model probability, or 1 for a matched watch topic. */
  score: number;
  source: 'model' | 'watch';
}

export type EntityType = 'person' | 'place' | 'organization';

export interface Entity {
  name: string;
  type: EntityType;
  count: number;
}

/** What classification adds to an article (pure output of `classifyArticle`). */
export interface Classification {
  /** ISO 639-1, or null when the text is too short to tell. */
  lang: string | null;
  /** Best first. */
  topics: TopicScore[];
  entities: Entity[];
}

/** The record every sink receives: one per article, keyed by `id`. */
export interface StoredArticle {
  /** Stable hash of the canonical URL. */
  id: string;
  url: string;
  canonicalUrl: string | null;
  feed: { url: string; name: string | null };
  title: string | null;
  byline: string | null;
  published: string | null;
  siteName: string | null;
  lang: string | null;
  leadImage: string | null;
  text: string;
  wordCount: number;
  topics: TopicScore[];
  entities: Entity[];
  story: string;
  times: {
    discovered: string;
    fetched: string;
    extracted: string;
    classified: string;
  };
}
