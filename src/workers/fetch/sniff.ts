// What kind of document a body is, from its first element (or JSON shape), not its name or
// Content-Type: commands use it to say "this is a feed, not an article" and the fetch stage to
// tell a sitemap from a feed. Only the start of the body is looked at.

export type DocumentKind = 'rss' | 'atom' | 'rdf' | 'json-feed' | 'urlset' | 'sitemapindex' | 'opml' | 'html' | 'xml' | 'json' | 'text';

const ROOTS: Record<string, DocumentKind> = {
  rss: 'rss',
  feed: 'atom',
  'rdf:rdf': 'rdf',
  urlset: 'urlset',
  sitemapindex: 'sitemapindex',
  opml: 'opml',
  html: 'html',
};

/** A name for the kind, for messages ("an RSS feed"). */
export const KIND_NAMES: Record<DocumentKind, string> = {
  rss: 'an RSS feed',
  atom: 'an Atom feed',
  rdf: 'an RSS 1.0 (RDF) feed',
  'json-feed': 'a JSON Feed',
  urlset: 'a sitemap (<urlset>)',
  sitemapindex: 'a sitemap index (<sitemapindex>)',
  opml: 'an OPML subscription list',
  html: 'an HTML page',
  xml: 'an XML document',
  json: 'a JSON document',
  text: 'plain text',
};

export function isFeedKind(kind: DocumentKind): boolean {
  return kind === 'rss' || kind === 'atom' || kind === 'rdf' || kind === 'json-feed';
}

/** The kind of `text` (decoded); `head` bytes of it are enough. */
export function sniffDocument(text: string, head = 8192): DocumentKind {
  const start = text.slice(0, head).replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return /"version"\s*:\s*"https?:\/\/jsonfeed\.org\//.test(start) || /"items"\s*:/.test(start) ? 'json-feed' : 'json';
  if (start.startsWith('[')) return 'json';
  if (!start.startsWith('<')) return 'text';
  // Skip the prolog: XML declaration, processing instructions, comments, doctype.
  const body = start.replace(/^(?:\s*(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!doctype[^>[]*(?:\[[\s\S]*?\])?\s*>))*\s*/i, '');
  const m = /^<([A-Za-z_][\w:.-]*)/.exec(body);
  if (!m) return /<html[\s>]/i.test(start) ? 'html' : 'xml';
  const name = m[1]!.toLowerCase();
  // A namespace prefix on a sitemap root (<sm:urlset>) is still a sitemap.
  const local = name.includes(':') && name !== 'rdf:rdf' ? name.slice(name.indexOf(':') + 1) : name;
  return ROOTS[name] ?? ROOTS[local] ?? (/^(head|body|!doctype)$/.test(local) ? 'html' : 'xml');
}
