// Turning one raw RSS item or Atom entry (the xml2js tree, plus what rss-parser's builder made
// of it) into a FeedItem: links resolved against the right base, authors, dates, images,
// categories. Pure; feed-parse.ts decides the format and the base.
import { resolveUrl } from '../../shared/url.js';
import { parseDate } from './dates.js';
import { nonEmpty, plainText, type FeedItem } from './feed-types.js';

export type Node = Record<string, unknown>;

export const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
export const all = (node: Node | undefined, key: string): unknown[] => {
  const v = node?.[key];
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
};
export const first = (node: Node | undefined, key: string): unknown => all(node, key)[0];
export const textOf = (v: unknown): string | null => (typeof v === 'string' ? v : isNode(v) && typeof v._ === 'string' ? v._ : null);
export const attr = (v: unknown, name: string): string | undefined => {
  const a = isNode(v) && isNode(v.$) ? v.$[name] : undefined;
  return typeof a === 'string' ? a : undefined;
};

export function itemDate(raw: Node, isAtom: boolean): string | null {
  const keys = isAtom ? ['published', 'issued', 'updated', 'modified', 'created'] : ['pubDate', 'dc:date', 'pubdate', 'published', 'updated'];
  for (const k of keys) {
    const d = parseDate(textOf(first(raw, k)));
    if (d) return d;
  }
  return null;
}

export function atomLink(links: unknown[], base: string, rel = 'alternate'): string | null {
  const candidates = links.filter((l) => (attr(l, 'rel') ?? 'alternate') === rel);
  const best = candidates.find((l) => /html/.test(attr(l, 'type') ?? 'text/html')) ?? candidates[0];
  const href = attr(best, 'href') ?? textOf(best);
  return resolveUrl(href, resolveUrl(attr(best, 'xml:base'), base) ?? base);
}

export function atomAuthors(node: Node): string | null {
  const names = all(node, 'author')
    .map((a) => plainText(isNode(a) ? textOf(first(a, 'name')) : textOf(a)))
    .filter((n): n is string => n !== null);
  return names.length ? names.join(', ') : null;
}

/** RSS 2.0 `<author>` is an e-mail address, often "jo@example.com (Jo Bloggs)": prefer the name. */
function rssAuthor(raw: Node): string | null {
  const creators = all(raw, 'dc:creator').map((c) => plainText(textOf(c))).filter((c): c is string => c !== null);
  if (creators.length) return creators.join(', ');
  const author = plainText(textOf(first(raw, 'author')));
  if (author) {
    const named = /\(([^)]+)\)/.exec(author);
    return named?.[1]?.trim() || author;
  }
  return plainText(textOf(first(raw, 'itunes:author')));
}

function mediaImage(raw: Node, base: string): string | null {
  const groups = [raw, ...all(raw, 'media:group').filter(isNode)];
  for (const g of groups) {
    for (const c of all(g, 'media:content')) {
      const type = attr(c, 'type') ?? '';
      const medium = attr(c, 'medium') ?? '';
      const u = attr(c, 'url');
      if (medium === 'image' || type.startsWith('image/') || (!medium && !type && /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(u ?? ''))) {
        const r = resolveUrl(u, base);
        if (r) return r;
      }
    }
  }
  for (const g of groups) {
    const r = resolveUrl(attr(first(g, 'media:thumbnail'), 'url'), base);
    if (r) return r;
  }
  for (const e of [...all(raw, 'enclosure'), ...all(raw, 'link').filter((l) => attr(l, 'rel') === 'enclosure')]) {
    if ((attr(e, 'type') ?? '').startsWith('image/')) {
      const r = resolveUrl(attr(e, 'url') ?? attr(e, 'href'), base);
      if (r) return r;
    }
  }
  return resolveUrl(attr(first(raw, 'itunes:image'), 'href'), base);
}

function categories(raw: Node): string[] {
  const out = new Set<string>();
  for (const c of [...all(raw, 'category'), ...all(raw, 'dc:subject')]) {
    const v = plainText(attr(c, 'label') ?? attr(c, 'term') ?? textOf(c));
    if (v) out.add(v);
  }
  return [...out];
}

function withExtras(item: FeedItem, raw: Node, base: string): FeedItem {
  const image = mediaImage(raw, base);
  const cats = categories(raw);
  if (image) item.image = image;
  if (cats.length) item.categories = cats;
  return item;
}

export function rssItem(raw: Node, b: Node, base: string, published: string | null): FeedItem {
  const guid = nonEmpty(textOf(b.guid));
  const permalink = attr(first(raw, 'guid'), 'isPermaLink') ?? attr(first(raw, 'guid'), 'ispermalink');
  const link =
    resolveUrl(textOf(b.link), base) ??
    (permalink !== 'false' ? resolveUrl(guid, base) : null) ??
    resolveUrl(attr(raw, 'rdf:about'), base);
  return withExtras(
    {
      title: plainText(textOf(b.title)),
      link,
      id: guid ?? nonEmpty(attr(raw, 'rdf:about')) ?? link,
      published,
      author: rssAuthor(raw),
      summary: nonEmpty(textOf(b.content)) ?? nonEmpty(textOf(first(raw, 'itunes:summary'))),
      content: nonEmpty(textOf(b['content:encoded'])),
    },
    raw,
    base,
  );
}

export function atomItem(raw: Node, b: Node, base: string, published: string | null, feedAuthor: string | null): FeedItem {
  const link = atomLink(all(raw, 'link'), base) ?? resolveUrl(textOf(b.id), base);
  const rawContent = first(raw, 'content');
  let content = nonEmpty(textOf(b.content));
  // Atom 0.3 could carry content base64-encoded.
  if (content && attr(rawContent, 'mode') === 'base64') content = Buffer.from(content, 'base64').toString('utf8');
  return withExtras(
    {
      title: plainText(textOf(b.title)),
      link,
      id: nonEmpty(textOf(b.id)) ?? link,
      published,
      author: atomAuthors(raw) ?? feedAuthor,
      summary: nonEmpty(textOf(b.summary)),
      content,
    },
    raw,
    base,
  );
}
