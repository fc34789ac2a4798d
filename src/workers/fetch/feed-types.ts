// The normalised shape every feed format is turned into, and small text helpers the parsers share.

export type FeedFormat = 'rss0.9' | 'rss1.0' | 'rss2.0' | 'atom0.3' | 'atom1.0' | 'jsonfeed';

export interface FeedItem {
  title: string | null;
  /** Absolute http(s) URL of the article, or null when the item has none usable. */
  link: string | null;
  /** guid / id / rdf:about, else the link: what dedup keys on. */
  id: string | null;
  /** ISO-8601 UTC, or null when the feed gives no readable date. */
  published: string | null;
  author: string | null;
  /** RSS description / Atom summary / JSON Feed summary (HTML as the feed gives it). */
  summary: string | null;
  /** content:encoded / Atom content / JSON Feed content_html (or content_text). */
  content: string | null;
  /** Absolute URL of the item's image (media:*, enclosure, itunes:image, JSON Feed image). */
  image?: string;
  categories?: string[];
  /** The language the source declares for the item (a news sitemap's news:language). */
  lang?: string;
}

export interface NormalisedFeed {
  title: string | null;
  /** The site the feed belongs to (absolute), or null. */
  link: string | null;
  format: FeedFormat;
  items: FeedItem[];
  /** RSS <ttl>: minutes the feed may be cached before it is fetched again (absent when not given). */
  ttl?: number;
  /** What was repaired or dropped to get a result out of a broken feed (empty when clean). */
  warnings: string[];
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode the handful of entities that survive in titles (numeric and the XML five, plus nbsp). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Plain one-line text from something that may hold markup (titles, author names). */
export function plainText(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const out = decodeEntities(s.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return out === '' ? null : out;
}

/** Trimmed string or null. */
export function nonEmpty(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const t = s.trim();
  return t === '' ? null : t;
}
