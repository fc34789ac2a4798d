// OPML subscription lists in and out: what feed readers export and import. Parsed with a small
// tag scanner rather than an XML parser, because exported OPML is often not well-formed
// (unescaped `&` in titles) and only <outline> attributes matter.
import { resolveUrl } from '../../shared/url.js';
import { tagAttributes } from './discover.js';

export interface OpmlFeed {
  title?: string;
  url: string;
  htmlUrl?: string;
  /** Enclosing folder outlines joined with `/` ("News/Tech"), or OPML 2.0's category attribute. */
  category?: string;
}

/**
 * Every feed (outline with an http(s) xmlUrl) in an OPML document, in document order, each URL
 * once. Nested folders become `category`; outlines without a usable xmlUrl are folders or noise.
 */
export function parseOpml(xml: string): OpmlFeed[] {
  const body = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const feeds: OpmlFeed[] = [];
  const seen = new Set<string>();
  const folders: (string | null)[] = [];
  for (const m of body.matchAll(/<(\/?)outline\b([^>]*?)(\/?)>/gi)) {
    if (m[1]) {
      folders.pop();
      continue;
    }
    const a = tagAttributes(`<outline ${m[2] ?? ''}>`);
    const selfClosing = m[3] === '/';
    const title = (a.title ?? a.text ?? '').trim();
    const url = resolveUrl(a.xmlurl ?? a.url);
    if (url && (a.xmlurl || /rss|atom|feed/i.test(a.type ?? ''))) {
      if (!seen.has(url)) {
        seen.add(url);
        const path = folders.filter((f): f is string => !!f).join('/');
        const category = (a.category ?? '').trim().replace(/^\/+|\/+$/g, '') || path;
        const htmlUrl = resolveUrl(a.htmlurl);
        feeds.push({
          ...(title ? { title } : {}),
          url,
          ...(htmlUrl ? { htmlUrl } : {}),
          ...(category ? { category } : {}),
        });
      }
      if (!selfClosing) folders.push(null);
    } else if (!selfClosing) {
      folders.push(title || null);
    }
  }
  return feeds;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function outline(f: OpmlFeed, indent: string): string {
  const title = f.title ?? f.url;
  const html = f.htmlUrl ? ` htmlUrl="${esc(f.htmlUrl)}"` : '';
  return `${indent}<outline type="rss" text="${esc(title)}" title="${esc(title)}" xmlUrl="${esc(f.url)}"${html}/>`;
}

/**
 * OPML 2.0 for a list of feeds: one folder outline per category (in first-seen order, a
 * `/`-separated category nests), feeds without a category at the top level.
 */
export function toOpml(feeds: readonly OpmlFeed[], opts: { title?: string; dateCreated?: Date } = {}): string {
  interface Folder { name: string; feeds: OpmlFeed[]; children: Map<string, Folder> }
  const root: Folder = { name: '', feeds: [], children: new Map() };
  for (const f of feeds) {
    let folder = root;
    for (const part of (f.category ?? '').split('/').map((p) => p.trim()).filter(Boolean)) {
      let child = folder.children.get(part);
      if (!child) {
        child = { name: part, feeds: [], children: new Map() };
        folder.children.set(part, child);
      }
      folder = child;
    }
    folder.feeds.push(f);
  }
  const lines: string[] = [];
  const render = (folder: Folder, depth: number) => {
    const indent = '  '.repeat(depth + 2);
    for (const f of folder.feeds) lines.push(outline(f, indent));
    for (const child of folder.children.values()) {
      lines.push(`${indent}<outline text="${esc(child.name)}" title="${esc(child.name)}">`);
      render(child, depth + 1);
      lines.push(`${indent}</outline>`);
    }
  };
  render(root, 0);
  const created = opts.dateCreated ? `\n    <dateCreated>${opts.dateCreated.toUTCString()}</dateCreated>` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${esc(opts.title ?? 'newsflow feeds')}</title>${created}`,
    '  </head>',
    '  <body>',
    ...lines,
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
