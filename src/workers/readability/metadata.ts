// Article metadata read from the parsed page before Readability mutates it: meta tags,
// JSON-LD (captured from the raw HTML, since scripts are stripped before parsing) and markup.
import type { PageMetadata } from '../../shared/types.js';
import { closestWhere, descendants, findDescendant, hasToken } from './dom.js';

export type { PageMetadata };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const clean = (s: string | null | undefined): string | null => {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : null;
};

function absolute(href: string | null | undefined, base: string): string | null {
  if (!href?.trim()) return null;
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Flattens JSON-LD (arrays, @graph) into its objects. */
function jsonLdObjects(blocks: readonly string[]): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  const visit = (v: Json | undefined): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      out.push(v);
      visit(v['@graph']);
    }
  };
  for (const b of blocks) {
    try {
      visit(JSON.parse(b.trim().replace(/^<!\[CDATA\[|\]\]>$/g, '')) as Json);
    } catch {
      // Invalid JSON-LD is common and never fatal.
    }
  }
  return out;
}

const ARTICLE_TYPE = /Article|Posting|Report|Blog/i;

function ldName(v: Json | undefined): string | null {
  if (typeof v === 'string') return clean(v);
  if (Array.isArray(v)) {
    const names = v.map(ldName).filter((x): x is string => !!x);
    return names.length ? names.join(', ') : null;
  }
  if (v && typeof v === 'object') return ldName(v['name']);
  return null;
}

function ldUrl(v: Json | undefined): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return ldUrl(v[0]);
  if (v && typeof v === 'object') return ldUrl(v['url'] ?? v['contentUrl']);
  return null;
}

/** ISO-8601 UTC, or null. A timestamp without zone is taken as UTC so results do not depend on the host. */
export function normaliseDate(raw: string | null | undefined): string | null {
  let s = raw?.trim();
  if (!s) return null;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = `${s.replace(' ', 'T')}Z`;
  if (!/\d{4}/.test(s)) return null;
  const d = new Date(s);
  const y = d.getUTCFullYear();
  return Number.isNaN(d.getTime()) || y < 1990 || y > 2100 ? null : d.toISOString();
}

/** `en-GB`, `en_US`, `EN` → `en`; anything that is not a two-letter code → null. */
export function normaliseLang(raw: string | null | undefined): string | null {
  const primary = raw?.trim().split(/[-_]/)[0]?.toLowerCase();
  return primary && /^[a-z]{2}$/.test(primary) ? primary : null;
}

const BY_PREFIX = /^(?:by|von|par|por|di|door)\s+/i;
export function cleanByline(raw: string | null | undefined): string | null {
  const t = clean(raw);
  if (!t || /^https?:\/\//i.test(t) || t.length > 120) return null;
  return clean(t.replace(BY_PREFIX, '')) ?? null;
}

const TITLE_SEPARATORS = /\s+[|\-–—:·•»]\s+|\s+::\s+/;

/** Drops a trailing " | Site" / " - Site" when it is the site name or looks like one. */
export function stripSiteSuffix(title: string, siteName: string | null): string {
  const parts = title.split(TITLE_SEPARATORS);
  if (parts.length < 2) return title;
  const last = parts[parts.length - 1] ?? '';
  const head = title.slice(0, title.length - last.length).replace(/\s+[|\-–—:·•»]+\s*$|\s+::\s*$/, '').trim();
  const isSite =
    (siteName && last.toLowerCase().replace(/\W/g, '') === siteName.toLowerCase().replace(/\W/g, '')) ||
    (last.split(/\s+/).length <= 3 && /[|·•»]/.test(title.slice(head.length, title.length - last.length)));
  return isSite && head.split(/\s+/).length >= 3 ? head : title;
}

/** `[rel~=author], [itemprop~=author] [itemprop~=name], [itemprop~=author]`, without a selector engine. */
function isAuthorMarkup(el: Element): boolean {
  if (hasToken(el, 'rel', 'author') || hasToken(el, 'itemprop', 'author')) return true;
  return hasToken(el, 'itemprop', 'name') && !!el.parentElement && closestWhere(el.parentElement, (a) => hasToken(a, 'itemprop', 'author')) !== null;
}

export function readMetadata(doc: Document, url: string, jsonLd: readonly string[]): PageMetadata {
  // One walk for the three tags read below (each walk of a jsdom tree costs allocations).
  const metas: Element[] = [];
  const h1s: Element[] = [];
  const links: Element[] = [];
  for (const el of descendants(doc.documentElement)) {
    const name = el.localName;
    if (name === 'meta') metas.push(el);
    else if (name === 'h1') h1s.push(el);
    else if (name === 'link') links.push(el);
  }
  const meta = new Map<string, string>();
  for (const m of metas) {
    if (!m.hasAttribute('content')) continue;
    const key = (m.getAttribute('property') ?? m.getAttribute('name') ?? m.getAttribute('itemprop') ?? m.getAttribute('http-equiv'))?.toLowerCase().trim();
    const content = m.getAttribute('content')?.trim();
    if (key && content && !meta.has(key)) meta.set(key, content);
  }
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = meta.get(k);
      if (v) return v;
    }
    return null;
  };
  const ld = jsonLdObjects(jsonLd);
  const article = ld.find((o) => ARTICLE_TYPE.test(String(o['@type'] ?? ''))) ?? ld.find((o) => o['headline']) ?? null;

  const siteName = clean(
    pick('og:site_name', 'application-name', 'twitter:site:name') ??
      ldName(article?.['publisher']) ??
      null,
  );

  const rawTitle =
    pick('og:title', 'twitter:title', 'title', 'sailthru.title', 'dc.title') ??
    (typeof article?.['headline'] === 'string' ? article['headline'] : null) ??
    (h1s.length === 1 ? h1s[0]?.textContent ?? null : null) ??
    doc.title;
  const title = clean(rawTitle) ? stripSiteSuffix(clean(rawTitle)!, siteName) : null;

  const metaAuthor = pick('author', 'article:author', 'byl', 'parsely-author', 'sailthru.author', 'dc.creator', 'dcterms.creator');
  const byline =
    cleanByline(metaAuthor) ??
    cleanByline(ldName(article?.['author'])) ??
    cleanByline(findDescendant(doc.documentElement, isAuthorMarkup)?.textContent);

  const published =
    normaliseDate(pick('article:published_time', 'og:published_time', 'datepublished', 'publishdate', 'pubdate', 'date', 'dc.date', 'dc.date.issued', 'dcterms.created', 'sailthru.date', 'parsely-pub-date')) ??
    normaliseDate(typeof article?.['datePublished'] === 'string' ? article['datePublished'] : null) ??
    normaliseDate(findDescendant(doc.documentElement, (e) => e.localName === 'time' && e.hasAttribute('datetime'))?.getAttribute('datetime'));

  const lang =
    normaliseLang(doc.documentElement.getAttribute('lang') ?? doc.documentElement.getAttribute('xml:lang')) ??
    normaliseLang(pick('og:locale', 'content-language', 'language', 'dc.language')) ??
    normaliseLang(typeof article?.['inLanguage'] === 'string' ? article['inLanguage'] : null);

  const canonicalUrl =
    absolute(links.find((l) => hasToken(l, 'rel', 'canonical'))?.getAttribute('href'), url) ??
    absolute(pick('og:url'), url);

  return {
    canonicalUrl,
    title,
    byline,
    published,
    siteName,
    lang,
    leadImage: absolute(pick('og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src') ?? ldUrl(article?.['image']), url),
    excerpt: clean(pick('og:description', 'description', 'twitter:description')),
  };
}
