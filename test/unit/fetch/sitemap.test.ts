import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/shared/errors.js';
import { looksLikeSitemap, parseSitemap, SITEMAP_MAX_URLS, sitemapText } from '../../../src/workers/fetch/sitemap.js';
import { sniffDocument } from '../../../src/workers/fetch/sniff.js';

const URL_ = 'https://news.example/sitemap.xml';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PermanentError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

const urlset = (entries: string, ns = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"${ns}>\n${entries}\n</urlset>`;

describe('sitemap parsing', () => {
  it('reads a Google News sitemap: dates, titles, language, keywords, images and hreflang alternates', () => {
    const xml = urlset(
      `<url>
        <loc>https://news.example/2026/12/07/bridge?a=1&amp;b=2</loc>
        <lastmod>2026-12-07T11:00:00Z</lastmod>
        <news:news>
          <news:publication><news:name>The Example</news:name><news:language>en</news:language></news:publication>
          <news:publication_date>2026-12-07T10:30:00+01:00</news:publication_date>
          <news:title><![CDATA[Bridge & tunnel reopen]]></news:title>
          <news:keywords>bridge, transport ,city</news:keywords>
        </news:news>
        <image:image><image:loc>https://news.example/img/bridge.jpg</image:loc></image:image>
        <xhtml:link rel="alternate" hreflang="de" href="https://news.example/de/bruecke"/>
      </url>
      <url><loc>https://news.example/2026/12/06/older</loc><lastmod>2026-12-06</lastmod></url>`,
      ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:xhtml="http://www.w3.org/1999/xhtml"',
    );
    const parsed = parseSitemap(xml, URL_);
    expect(parsed.kind).toBe('urlset');
    expect(parsed.urls).toEqual([
      {
        loc: 'https://news.example/2026/12/07/bridge?a=1&b=2',
        lastmod: '2026-12-07T11:00:00.000Z',
        news: { title: 'Bridge & tunnel reopen', published: '2026-12-07T09:30:00.000Z', language: 'en', publication: 'The Example', keywords: ['bridge', 'transport', 'city'] },
        images: ['https://news.example/img/bridge.jpg'],
        alternates: [{ hreflang: 'de', href: 'https://news.example/de/bruecke' }],
      },
      { loc: 'https://news.example/2026/12/06/older', lastmod: '2026-12-06T00:00:00.000Z', images: [], alternates: [] },
    ]);
  });

  it('reads namespace prefixes from the document, not from habit, and skips comments', () => {
    const xml = `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">
      <!-- <sm:url><sm:loc>https://news.example/commented-out</sm:loc></sm:url> -->
      <sm:url><sm:loc>https://news.example/a</sm:loc><n:news><n:title>Prefixed</n:title><n:publication_date>2026-12-07</n:publication_date></n:news></sm:url>
    </sm:urlset>`;
    const parsed = parseSitemap(xml, URL_);
    expect(parsed.urls.map((u) => [u.loc, u.news?.title, u.news?.published])).toEqual([['https://news.example/a', 'Prefixed', '2026-12-07T00:00:00.000Z']]);
  });

  it('reads an index, and plain-text sitemaps one URL a line', () => {
    const index = parseSitemap(
      `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>https://news.example/news.xml.gz</loc><lastmod>2026-12-07T12:00:00Z</lastmod></sitemap>
        <sitemap><loc>/archive-2019.xml</loc><lastmod>2019-12-31</lastmod></sitemap>
        <sitemap><loc>https://news.example/undated.xml</loc></sitemap>
      </sitemapindex>`,
      URL_,
    );
    expect(index.kind).toBe('sitemapindex');
    expect(index.sitemaps).toEqual([
      { loc: 'https://news.example/news.xml.gz', lastmod: '2026-12-07T12:00:00.000Z' },
      { loc: 'https://news.example/archive-2019.xml', lastmod: '2019-12-31T00:00:00.000Z' },
      { loc: 'https://news.example/undated.xml', lastmod: null },
    ]);
    const text = parseSitemap('\uFEFFhttps://news.example/a\r\nhttps://news.example/b\n\n# a comment\n', 'https://news.example/sitemap.txt');
    expect(text.kind).toBe('text');
    expect(text.urls.map((u) => u.loc)).toEqual(['https://news.example/a', 'https://news.example/b']);
    expect(text.warnings).toEqual(['1 line(s) that are not http(s) URLs left out']);
  });

  it('leaves out entries without a usable http(s) <loc> and counts them', () => {
    const parsed = parseSitemap(urlset('<url><loc>javascript:alert(1)</loc></url><url><lastmod>2026-12-07</lastmod></url><url><loc>https://news.example/ok</loc><lastmod>yesterday-ish</lastmod></url>'), URL_);
    expect(parsed.urls.map((u) => [u.loc, u.lastmod])).toEqual([['https://news.example/ok', null]]);
    expect(parsed.warnings).toEqual(['2 <url> entries without a usable http(s) <loc> left out', '1 unreadable dates ignored']);
  });

  it('detects sitemaps by content, gzipped or not, whatever they are called', () => {
    const xml = urlset('<url><loc>https://news.example/a</loc></url>');
    expect(looksLikeSitemap(xml)).toBe(true);
    expect(looksLikeSitemap('https://news.example/a\nhttps://news.example/b')).toBe(true);
    expect(looksLikeSitemap('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')).toBe(false);
    expect(looksLikeSitemap('<!doctype html><html><body>https://x</body></html>')).toBe(false);
    expect(looksLikeSitemap('Hello, this is text')).toBe(false);
    expect(sniffDocument('<?xml version="1.0"?>\n<!-- generator -->\n<sitemapindex xmlns="x">')).toBe('sitemapindex');
    const gz = gzipSync(Buffer.from(xml));
    expect(sitemapText(gz, 'https://news.example/feed-of-stuff', { contentType: 'application/octet-stream' })).toBe(xml);
  });

  it('enforces the sitemaps.org limits: 50,000 entries and 50 MB uncompressed per file', () => {
    const entry = (i: number) => `<url><loc>https://news.example/a/${i}</loc></url>`;
    const atLimit = urlset(Array.from({ length: SITEMAP_MAX_URLS }, (_, i) => entry(i)).join(''));
    expect(parseSitemap(atLimit, URL_).urls).toHaveLength(SITEMAP_MAX_URLS);
    const over = urlset(Array.from({ length: SITEMAP_MAX_URLS + 1 }, (_, i) => entry(i)).join(''));
    expect(codeOf(() => parseSitemap(over, URL_))).toMatch(/^sitemap_too_many_urls: .*more than 50,000 entries/);
    expect(codeOf(() => parseSitemap(Array.from({ length: 11 }, (_, i) => `https://news.example/${i}`).join('\n'), URL_, { maxUrls: 10 }))).toMatch(/^sitemap_too_many_urls/);
    // 51 MB of text, and a gzip bomb that would expand to 200 MB: refused before any parsing.
    expect(codeOf(() => sitemapText(Buffer.alloc(51 * 1024 * 1024, 0x20), URL_))).toMatch(/^sitemap_too_large: .*51 MB uncompressed, over the 50 MB limit/);
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(codeOf(() => sitemapText(bomb, URL_))).toMatch(/^sitemap_too_large: .*gzip expands beyond 50 MB/);
  });

  it('reads a file of tags, comments and CDATA sections that never close in one pass (no rescans from every <)', () => {
    const head = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.example/first</loc></url>';
    for (const filler of ['<a ', '<!--', '<![CDATA[', '<url><loc>']) {
      // ~4 MB: rescanning to the end from every '<' would take the better part of an hour.
      const parsed = parseSitemap(head + filler.repeat(Math.floor(4_000_000 / filler.length)), URL_);
      expect(parsed.urls.map((u) => u.loc), filler).toEqual(['https://news.example/first']);
    }
  });

  it('refuses entity declarations (billion laughs), binary bodies, broken gzip and documents that are not sitemaps', () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.example/&lol2;</loc></url></urlset>`;
    expect(codeOf(() => parseSitemap(lol, URL_))).toMatch(/^xml_entities: /);
    expect(codeOf(() => sitemapText(Buffer.from('89504e470d0a1a0a0000', 'hex'), URL_))).toMatch(/^binary: /);
    expect(codeOf(() => sitemapText(Buffer.from('1f8b0800000000000003deadbeef', 'hex'), URL_))).toMatch(/^bad_encoding: .*broken gzip/);
    expect(codeOf(() => parseSitemap('<?xml version="1.0"?><rss version="2.0"/>', URL_))).toMatch(/^not_a_sitemap: /);
    expect(codeOf(() => parseSitemap('just words\nand more words', URL_))).toMatch(/^not_a_sitemap: .*no http\(s\) URL/);
  });
});
