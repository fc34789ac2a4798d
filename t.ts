import { parseSitemap } from './src/workers/fetch/sitemap.ts';
const xml = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:n="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:xhtml="http://www.w3.org/1999/xhtml">
<!-- a comment <url><loc>http://x/ignored</loc></url> -->
<url><loc>https://site.example/a?x=1&amp;y=2</loc><lastmod>2026-12-07</lastmod>
<n:news><n:publication><n:name>Site</n:name><n:language>en</n:language></n:publication><n:publication_date>2026-12-07T10:00:00+01:00</n:publication_date><n:title><![CDATA[Bridge & tunnel]]></n:title><n:keywords>bridge, city</n:keywords></n:news>
<image:image><image:loc>https://site.example/a.jpg</image:loc></image:image>
<xhtml:link rel="alternate" hreflang="de" href="https://site.example/de/a"/>
</url>
<url><loc>relative/b</loc></url>
<url><loc>javascript:alert(1)</loc></url>
</urlset>`;
console.log(JSON.stringify(parseSitemap(xml, 'https://site.example/sitemap.xml'), null, 1));
console.log(parseSitemap('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://s/1.xml</loc><lastmod>2026-12-01T00:00:00Z</lastmod></sitemap><sitemap><loc>https://s/2.xml</loc></sitemap></sitemapindex>', 'https://s/i.xml'));
console.log(parseSitemap('https://s/a\nhttps://s/b\n\nnot a url\n', 'https://s/t.txt'));
