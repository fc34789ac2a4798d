// Sitemaps as a source: the sitemaps.org 0.9 formats (`<urlset>`, `<sitemapindex>`, plain text
// with one URL a line), gzipped or not, with the Google News, image and xhtml:link extensions.
// Pure: bytes in, entries out. Polling (conditional GET per file, the recency window, children
// of an index) is sitemap-source.ts.
//
// Parsed with a tag scanner rather than a DOM: a 50,000-URL file is ~10 MB of very regular XML,
// and only a handful of elements matter. Namespace prefixes are read from the document's own
// xmlns declarations, so `<n:news>` works as well as `<news:news>`. No entity is ever expanded
// beyond the XML five and character references: a document that declares entities (the
// "billion laughs" bomb) is refused outright, since a sitemap has no use for them.
import { gunzipSync } from 'node:zlib';
import { PermanentError } from '../../shared/errors.js';
import { decodeBody, looksBinary } from '../../shared/content-type.js';
import type { HttpResponse } from '../../shared/http.js';
import { resolveUrl } from '../../shared/url.js';
import { parseDate } from './dates.js';
import { decodeEntities } from './feed-types.js';
import { sniffDocument } from './sniff.js';

/** The sitemaps.org limits for one file. */
export const SITEMAP_MAX_URLS = 50_000;
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

const NS = {
  news: 'http://www.google.com/schemas/sitemap-news/0.9',
  image: 'http://www.google.com/schemas/sitemap-image/1.1',
  xhtml: 'http://www.w3.org/1999/xhtml',
};

export interface SitemapNews {
  title: string | null;
  /** ISO-8601 UTC. */
  published: string | null;
  /** ISO 639 code as the sitemap gives it ("en", "zh-cn"). */
  language: string | null;
  publication: string | null;
  keywords: string[];
}

export interface SitemapUrl {
  loc: string;
  /** ISO-8601 UTC. */
  lastmod: string | null;
  news?: SitemapNews;
  images: string[];
  /** xhtml:link rel="alternate" hreflang versions of the page. */
  alternates: { hreflang: string; href: string }[];
}

export interface SitemapRef {
  loc: string;
  lastmod: string | null;
}

export interface ParsedSitemap {
  kind: 'urlset' | 'sitemapindex' | 'text';
  urls: SitemapUrl[];
  sitemaps: SitemapRef[];
  /** Entries left out, with why (bad <loc>, an unreadable date), counted. */
  warnings: string[];
}

export interface SitemapLimits {
  maxUrls?: number;
  maxBytes?: number;
}

const GZIP = [0x1f, 0x8b];

/** Whether the bytes are gzip (a `.xml.gz` served without Content-Encoding). */
export function isGzip(body: Uint8Array): boolean {
  return body.length >= 2 && body[0] === GZIP[0] && body[1] === GZIP[1];
}

/**
 * The text of a sitemap body: gunzipped when the bytes are gzip (whatever the Content-Type
 * says), never past `maxBytes` uncompressed, then decoded like any fetched body.
 */
export function sitemapText(body: Buffer, url: string, opts: SitemapLimits & { contentType?: string | null } = {}): string {
  const maxBytes = opts.maxBytes ?? SITEMAP_MAX_BYTES;
  let bytes = body;
  if (isGzip(body)) {
    try {
      bytes = gunzipSync(body, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new PermanentError('sitemap_too_large', `${url}: gzip expands beyond ${mb(maxBytes)} (the sitemaps.org limit per file is 50 MB uncompressed)`);
      }
      throw new PermanentError('bad_encoding', `${url}: broken gzip (${(err as Error).message})`);
    }
  }
  if (bytes.length > maxBytes) {
    throw new PermanentError('sitemap_too_large', `${url}: ${mb(bytes.length)} uncompressed, over the ${mb(maxBytes)} limit for one sitemap file`);
  }
  if (looksBinary(bytes)) throw new PermanentError('binary', `${url}: the body is binary, not a sitemap`);
  return decodeBody(bytes, isGzip(body) ? null : opts.contentType);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/**
 * What a fetched source body is, by content: a sitemap (a <urlset>/<sitemapindex> root or a list
 * of URLs), or else a feed. Gzip bytes served without Content-Encoding (a `.xml.gz` file) are
 * unpacked first, within `maxBytes`, and looked at the same way; a feed among them comes back
 * with its text.
 */
export function sourceBody(res: HttpResponse, maxBytes: number): { kind: 'sitemap' } | { kind: 'feed'; res: HttpResponse } {
  if (!isGzip(res.body)) return res.text !== undefined && looksLikeSitemap(res.text) ? { kind: 'sitemap' } : { kind: 'feed', res };
  const text = sitemapText(res.body, res.url, { maxBytes });
  return looksLikeSitemap(text) ? { kind: 'sitemap' } : { kind: 'feed', res: { ...res, text } };
}

/** Is this text a sitemap (XML root, or a plain-text list whose first line is a URL)? */
export function looksLikeSitemap(text: string): boolean {
  const kind = sniffDocument(text);
  if (kind === 'urlset' || kind === 'sitemapindex') return true;
  if (kind !== 'text') return false;
  const firstLine = text.replace(/^\uFEFF/, '').trimStart().split('\n', 1)[0]!.trim();
  return /^https?:\/\/\S+$/i.test(firstLine);
}

/** Parse sitemap text fetched from `url`. Throws PermanentError for what is not a sitemap or is over a limit. */
export function parseSitemap(text: string, url: string, limits: SitemapLimits = {}): ParsedSitemap {
  const maxUrls = limits.maxUrls ?? SITEMAP_MAX_URLS;
  const kind = sniffDocument(text);
  if (kind === 'text') return parseTextSitemap(text, url, maxUrls);
  if (kind !== 'urlset' && kind !== 'sitemapindex') {
    throw new PermanentError('not_a_sitemap', `${url} is not a sitemap (no <urlset> or <sitemapindex> root, not a list of URLs)`);
  }
  const head = text.slice(0, 65_536);
  if (/<!DOCTYPE[^>]*\[/i.test(head) && /<!ENTITY/i.test(text)) {
    throw new PermanentError('xml_entities', `${url}: declares XML entities (<!ENTITY>): refused as an entity-expansion ("billion laughs") guard; a sitemap needs none`);
  }
  return kind === 'sitemapindex' ? parseIndex(text, url, maxUrls) : parseUrlset(text, url, maxUrls);
}

function parseTextSitemap(text: string, url: string, maxUrls: number): ParsedSitemap {
  const urls: SitemapUrl[] = [];
  let bad = 0;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const loc = /^https?:\/\//i.test(line) ? resolveUrl(line) : null;
    if (!loc) {
      bad += 1;
      continue;
    }
    if (urls.length === maxUrls) throw tooMany(url, maxUrls);
    urls.push({ loc, lastmod: null, images: [], alternates: [] });
  }
  if (!urls.length) throw new PermanentError('not_a_sitemap', `${url}: a text sitemap with no http(s) URL in it`);
  return { kind: 'text', urls, sitemaps: [], warnings: bad ? [`${bad} line(s) that are not http(s) URLs left out`] : [] };
}

function tooMany(url: string, max: number): PermanentError {
  return new PermanentError('sitemap_too_many_urls', `${url}: more than ${max.toLocaleString('en')} entries in one file (the sitemaps.org limit): refused`);
}

/** Prefix (or '' for the default namespace) bound to each namespace URI on the root element. */
function prefixesOf(body: string): Map<string, string> {
  const root = /<(?:[\w.-]+:)?(?:urlset|sitemapindex)\b([^>]*)>/i.exec(body.slice(0, 65_536));
  const map = new Map<string, string>();
  for (const m of (root?.[1] ?? '').matchAll(/xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']/g)) map.set(m[2]!.trim(), m[1] ?? '');
  return map;
}

/** `local` in namespace `uri`, as this document spells it (`news:title`); the usual prefix when undeclared. */
function qname(prefixes: Map<string, string>, uri: string, fallback: string, local: string): string {
  const p = prefixes.get(uri) ?? fallback;
  return p ? `${p}:${local}` : local;
}

interface Tag {
  closing: boolean;
  name: string;
  /** Offsets of the attributes (after the name, before '>' or '/>'); sliced only when needed. */
  attrStart: number;
  attrEnd: number;
  selfClosing: boolean;
  /** Offsets of '<' and just past '>'. */
  start: number;
  end: number;
}

/** A tag's name, read in place right after its '<' (sticky: no slice, no scan ahead). */
const TAG_NAME = /\/?([A-Za-z_][\w.-]*(?::[\w.-]+)?)/y;

/**
 * The element tags of `body` in order, skipping comments, CDATA sections, processing
 * instructions and declarations. Every step is an indexOf forward from the last: linear in the
 * body, and a tag or comment never closed ends the scan instead of rescanning the rest of the
 * document from every '<' (which made a hostile 240 KB file cost seconds with regexes).
 */
function* tags(body: string): Generator<Tag> {
  let pos = body.indexOf('<');
  while (pos !== -1) {
    let end: number;
    if (body.startsWith('<!--', pos)) {
      end = body.indexOf('-->', pos + 4);
      if (end === -1) return;
      pos = body.indexOf('<', end + 3);
      continue;
    }
    if (body.startsWith('<![CDATA[', pos)) {
      end = body.indexOf(']]>', pos + 9);
      if (end === -1) return;
      pos = body.indexOf('<', end + 3);
      continue;
    }
    end = body.indexOf('>', pos + 1);
    if (end === -1) return;
    TAG_NAME.lastIndex = pos + 1;
    const m = TAG_NAME.exec(body);
    if (m && TAG_NAME.lastIndex <= end) {
      const selfClosing = body.charCodeAt(end - 1) === 47; // '/'
      yield { closing: body.charCodeAt(pos + 1) === 47, name: m[1]!, attrStart: TAG_NAME.lastIndex, attrEnd: selfClosing ? end - 1 : end, selfClosing, start: pos, end: end + 1 };
    }
    pos = body.indexOf('<', end + 1);
  }
}

/** Longest element text read: a <loc> or date is far shorter; anything longer is not one. */
const MAX_TEXT = 65_536;

/** Text content between two offsets: CDATA unwrapped, entities decoded, trimmed. */
function textBetween(body: string, from: number, to: number): string {
  if (to - from > MAX_TEXT) return '';
  let s = body.slice(from, to);
  if (s.includes('<![CDATA[')) s = s.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  return decodeEntities(s).trim();
}

function attrOf(attrs: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name.replace(/[.:]/g, '\\$&')}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? decodeEntities(m[2] ?? m[3] ?? '') : null;
}

/** The element name without a prefix bound to the sitemap namespace (`sm:url` → `url`). */
function sitemapLocal(name: string, smPrefix: string): string {
  return smPrefix && name.startsWith(`${smPrefix}:`) ? name.slice(smPrefix.length + 1) : name;
}

function parseUrlset(body: string, url: string, maxUrls: number): ParsedSitemap {
  const prefixes = prefixesOf(body);
  const sm = prefixes.get('http://www.sitemaps.org/schemas/sitemap/0.9') ?? '';
  const n = {
    news: qname(prefixes, NS.news, 'news', 'news'),
    title: qname(prefixes, NS.news, 'news', 'title'),
    date: qname(prefixes, NS.news, 'news', 'publication_date'),
    language: qname(prefixes, NS.news, 'news', 'language'),
    name: qname(prefixes, NS.news, 'news', 'name'),
    keywords: qname(prefixes, NS.news, 'news', 'keywords'),
    image: qname(prefixes, NS.image, 'image', 'loc'),
    link: qname(prefixes, NS.xhtml, 'xhtml', 'link'),
  };
  const urls: SitemapUrl[] = [];
  let badLoc = 0;
  let badDate = 0;
  let current: { loc: string | null; lastmod: string | null; news: SitemapNews | null; images: string[]; alternates: { hreflang: string; href: string }[] } | null = null;
  // The element whose text is being read, and where its text starts.
  let open: { name: string; at: number } | null = null;
  for (const t of tags(body)) {
    const closing = t.closing;
    const name = sitemapLocal(t.name, sm);
    if (!closing && name === 'url') {
      current = { loc: null, lastmod: null, news: null, images: [], alternates: [] };
      continue;
    }
    if (!current) continue;
    if (closing && name === 'url') {
      const loc = current.loc ? resolveUrl(current.loc, url) : null;
      if (!loc || !/^https?:/i.test(loc)) badLoc += 1;
      else {
        if (urls.length === maxUrls) throw tooMany(url, maxUrls);
        urls.push({ loc, lastmod: current.lastmod, ...(current.news ? { news: current.news } : {}), images: current.images, alternates: current.alternates });
      }
      current = null;
      continue;
    }
    if (!closing && name === n.link) {
      const attrs = body.slice(t.attrStart, t.attrEnd);
      const rel = attrOf(attrs, 'rel');
      const href = resolveUrl(attrOf(attrs, 'href'), url);
      const hreflang = attrOf(attrs, 'hreflang');
      if (rel === 'alternate' && href && hreflang) current.alternates.push({ hreflang, href });
      continue;
    }
    if (!closing && name === n.news) {
      current.news = { title: null, published: null, language: null, publication: null, keywords: [] };
      continue;
    }
    if (!closing) {
      if (!t.selfClosing) open = { name, at: t.end };
      continue;
    }
    if (!open || open.name !== name) continue;
    const value = textBetween(body, open.at, t.start);
    open = null;
    if (name === 'loc') current.loc = value;
    else if (name === 'lastmod') {
      current.lastmod = parseDate(value);
      if (value && !current.lastmod) badDate += 1;
    } else if (name === n.image) {
      const img = resolveUrl(value, url);
      if (img) current.images.push(img);
    } else if (current.news) {
      if (name === n.title) current.news.title = value || null;
      else if (name === n.date) {
        current.news.published = parseDate(value);
        if (value && !current.news.published) badDate += 1;
      } else if (name === n.language) current.news.language = value.toLowerCase() || null;
      else if (name === n.name) current.news.publication = value || null;
      else if (name === n.keywords) current.news.keywords = value.split(',').map((k) => k.trim()).filter(Boolean);
    }
  }
  const warnings: string[] = [];
  if (badLoc) warnings.push(`${badLoc} <url> entries without a usable http(s) <loc> left out`);
  if (badDate) warnings.push(`${badDate} unreadable dates ignored`);
  return { kind: 'urlset', urls, sitemaps: [], warnings };
}

function parseIndex(body: string, url: string, maxUrls: number): ParsedSitemap {
  const prefixes = prefixesOf(body);
  const sm = prefixes.get('http://www.sitemaps.org/schemas/sitemap/0.9') ?? '';
  const sitemaps: SitemapRef[] = [];
  let badLoc = 0;
  let current: { loc: string | null; lastmod: string | null } | null = null;
  let open: { name: string; at: number } | null = null;
  for (const t of tags(body)) {
    const closing = t.closing;
    const name = sitemapLocal(t.name, sm);
    if (name === 'sitemap') {
      if (!closing) current = { loc: null, lastmod: null };
      else if (current) {
        const loc = current.loc ? resolveUrl(current.loc, url) : null;
        if (!loc || !/^https?:/i.test(loc)) badLoc += 1;
        else {
          if (sitemaps.length === maxUrls) throw tooMany(url, maxUrls);
          sitemaps.push({ loc, lastmod: current.lastmod });
        }
        current = null;
      }
      continue;
    }
    if (!current) continue;
    if (!closing) {
      if (!t.selfClosing) open = { name, at: t.end };
      continue;
    }
    if (!open || open.name !== name) continue;
    const value = textBetween(body, open.at, t.start);
    open = null;
    if (name === 'loc') current.loc = value;
    else if (name === 'lastmod') current.lastmod = parseDate(value);
  }
  return { kind: 'sitemapindex', urls: [], sitemaps, warnings: badLoc ? [`${badLoc} <sitemap> entries without a usable <loc> left out`] : [] };
}

/** Host without a leading "www.": a site's sitemap may list www and bare-host URLs alike. */
export function siteHost(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return '';
  }
}
