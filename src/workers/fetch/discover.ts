// Feed autodiscovery: the feeds an HTML page advertises with <link rel="alternate" type="…">,
// so a caller handed a site's home page instead of its feed can follow the right link.
import { resolveUrl } from '../../shared/url.js';
import { decodeEntities } from './feed-types.js';

export interface DiscoveredFeed {
  url: string;
  type: 'rss' | 'atom' | 'json';
  title: string | null;
}

const FEED_TYPES: Record<string, DiscoveredFeed['type']> = {
  'application/rss+xml': 'rss',
  'application/rdf+xml': 'rss',
  'application/atom+xml': 'atom',
  'application/feed+json': 'json',
  'application/json': 'json',
};

/** Attributes of one start tag, names lower-cased, values entity-decoded. */
export function tagAttributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const body = tag.replace(/^<\s*[\w:-]+/, '').replace(/\/?>$/, '');
  for (const m of body.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    const name = m[1]!.toLowerCase();
    if (!(name in attrs)) attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/**
 * Feeds a page links to, in document order, without duplicates. Relative hrefs are resolved
 * against `<base href>` when the page has one, else against `baseUrl`. Only the page's head-ish
 * part is scanned (first 256 KB), which is where these links live.
 */
export function discoverFeeds(html: string, baseUrl: string): DiscoveredFeed[] {
  const head = html.slice(0, 256 * 1024).replace(/<!--[\s\S]*?-->/g, '');
  const baseTag = /<base\b[^>]*>/i.exec(head);
  const base = (baseTag && resolveUrl(tagAttributes(baseTag[0]).href, baseUrl)) || baseUrl;
  const found: DiscoveredFeed[] = [];
  const seen = new Set<string>();
  for (const m of head.matchAll(/<link\b[^>]*>/gi)) {
    const a = tagAttributes(m[0]);
    const rels = (a.rel ?? '').toLowerCase().split(/\s+/);
    const type = FEED_TYPES[(a.type ?? '').toLowerCase().split(';')[0]!.trim()];
    if (!rels.includes('alternate') || !type) continue;
    const url = resolveUrl(a.href, base);
    if (!url || seen.has(url)) continue;
    seen.add(url);
    found.push({ url, type, title: a.title?.trim() || null });
  }
  return found;
}
