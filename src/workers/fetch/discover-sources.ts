// What to poll for a site: `newsflow feeds add https://site/`. A URL that is itself a feed or a
// sitemap is taken as it is. A page gives the feed it advertises (<link rel="alternate">), and
// the site's sitemaps are looked for where sites put them: the `Sitemap:` lines of its
// robots.txt, then /sitemap.xml and /news-sitemap.xml. Each candidate sitemap is fetched once
// to see what it is. A Google News sitemap is what a news pipeline wants: when there is one, the
// other sitemaps are reported but not added (the archive is for `newsflow backfill`).
import { errorMessage } from '../../shared/errors.js';
import type { HttpResponse } from '../../shared/http.js';
import { resolveUrl } from '../../shared/url.js';
import { discoverFeeds } from './discover.js';
import { parseRobots } from './robots.js';
import { isFeedKind, sniffDocument } from './sniff.js';
import { isGzip, looksLikeSitemap, parseSitemap, sitemapText } from './sitemap.js';

export type SourceKind = 'feed' | 'news sitemap' | 'sitemap' | 'sitemap index';

export interface FoundSource {
  url: string;
  kind: SourceKind;
  /** Where it was found: the URL given, the page's links, robots.txt, or a conventional path. */
  via: 'given' | 'page' | 'robots.txt' | '/sitemap.xml' | '/news-sitemap.xml';
  /** Entries (a sitemap's URLs, an index's children). */
  entries?: number;
}

export interface Discovery {
  found: FoundSource[];
  /** The URLs to poll, in order. */
  add: string[];
  /** Candidates that did not pan out, with why (a 404 /sitemap.xml, a robots.txt line to a page). */
  misses: string[];
}

const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
/** Sitemaps named in robots.txt that discovery fetches at most. */
const MAX_ROBOTS_SITEMAPS = 10;

function sitemapKind(res: HttpResponse): { kind: SourceKind; entries: number } | null {
  if (!isGzip(res.body) && !(res.text !== undefined && looksLikeSitemap(res.text))) return null;
  const text = sitemapText(res.body, res.url, { contentType: res.contentType });
  const parsed = parseSitemap(text, res.url);
  if (parsed.kind === 'sitemapindex') return { kind: 'sitemap index', entries: parsed.sitemaps.length };
  const news = text.slice(0, 4096).includes(NEWS_NS) || parsed.urls.some((u) => u.news);
  return { kind: news ? 'news sitemap' : 'sitemap', entries: parsed.urls.length };
}

export async function discoverSources(url: string, fetch: (url: string) => Promise<HttpResponse>): Promise<Discovery> {
  const misses: string[] = [];
  const first = await fetch(url);
  const asSitemap = sitemapKind(first);
  if (asSitemap) return { found: [{ url, via: 'given', ...asSitemap }], add: [url], misses };
  const kind = first.text !== undefined ? sniffDocument(first.text) : null;
  if (kind && isFeedKind(kind)) return { found: [{ url, kind: 'feed', via: 'given' }], add: [url], misses };

  const found: FoundSource[] = [];
  if (kind === 'html') {
    const feeds = discoverFeeds(first.text!, first.url);
    for (const f of feeds) found.push({ url: f.url, kind: 'feed', via: 'page' });
  }

  const candidates: { url: string; via: FoundSource['via'] }[] = [];
  const robotsUrl = resolveUrl('/robots.txt', first.url)!;
  try {
    const robots = await fetch(robotsUrl);
    const lines = parseRobots(robots.text ?? '').sitemaps;
    // Some sites name hundreds (one a month): look at the first few; the rest are reported.
    for (const line of lines.slice(0, MAX_ROBOTS_SITEMAPS)) {
      const u = resolveUrl(line, robotsUrl);
      if (u) candidates.push({ url: u, via: 'robots.txt' });
    }
    if (lines.length > MAX_ROBOTS_SITEMAPS) misses.push(`${robotsUrl}: ${lines.length - MAX_ROBOTS_SITEMAPS} more Sitemap: lines not looked at (add them by URL)`);
  } catch (err) {
    misses.push(`${robotsUrl}: ${errorMessage(err)}`);
  }
  for (const path of ['/sitemap.xml', '/news-sitemap.xml'] as const) candidates.push({ url: resolveUrl(path, first.url)!, via: path });

  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.url)) continue;
    seen.add(c.url);
    try {
      const res = await fetch(c.url);
      const what = sitemapKind(res);
      if (what) found.push({ url: c.url, via: c.via, ...what });
      else misses.push(`${c.url} (${c.via}): not a sitemap`);
    } catch (err) {
      misses.push(`${c.url} (${c.via}): ${errorMessage(err)}`);
    }
  }

  const feed = found.find((f) => f.kind === 'feed');
  const sitemaps = found.filter((f) => f.kind !== 'feed');
  const news = sitemaps.filter((f) => f.kind === 'news sitemap');
  const add = [...(feed ? [feed.url] : []), ...(news.length ? news : sitemaps).map((f) => f.url)];
  return { found, add, misses };
}
