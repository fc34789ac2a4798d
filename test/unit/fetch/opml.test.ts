import { describe, expect, it } from 'vitest';
import { parseOpml, toOpml, type OpmlFeed } from '../../../src/workers/fetch/opml.js';

const EXPORTED = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="Tech">
        <outline type="rss" text="Ars &amp; Co" xmlUrl="https://ars.example.com/feed" htmlUrl="https://ars.example.com/"/>
        <outline type="rss" title='Single quoted' xmlUrl='https://sq.example.com/rss'></outline>
      </outline>
      <outline type="rss" text="World" xmlUrl="https://world.example.com/rss.xml"/>
    </outline>
    <!-- <outline type="rss" text="Commented" xmlUrl="https://gone.example.com/rss"/> -->
    <outline type="rss" text="Top level" xmlUrl="https://top.example.com/atom" category="/Misc/Stuff"/>
    <outline type="rss" text="Duplicate" xmlUrl="https://world.example.com/rss.xml"/>
    <outline type="rss" text="Bad scheme" xmlUrl="javascript:alert(1)"/>
    <outline text="Just a link" url="https://example.com/page" type="link"/>
  </body>
</opml>`;

describe('parseOpml', () => {
  it('reads nested outlines into feeds with categories, skipping comments, duplicates and non-feeds', () => {
    expect(parseOpml(EXPORTED)).toEqual([
      { title: 'Ars & Co', url: 'https://ars.example.com/feed', htmlUrl: 'https://ars.example.com/', category: 'News/Tech' },
      { title: 'Single quoted', url: 'https://sq.example.com/rss', category: 'News/Tech' },
      { title: 'World', url: 'https://world.example.com/rss.xml', category: 'News' },
      { title: 'Top level', url: 'https://top.example.com/atom', category: 'Misc/Stuff' },
    ]);
  });

  it('copes with unescaped ampersands and no folders', () => {
    const opml = '<opml><body><outline text="Fish & Chips" xmlUrl="https://f.example/rss?a=1&b=2"/></body></opml>';
    expect(parseOpml(opml)).toEqual([{ title: 'Fish & Chips', url: 'https://f.example/rss?a=1&b=2' }]);
  });
});

describe('toOpml', () => {
  const feeds: OpmlFeed[] = [
    { title: 'A <&> "quoted" \'feed\'', url: 'https://a.example/rss?x=1&y=2', htmlUrl: 'https://a.example/', category: 'News/Tech' },
    { title: 'B', url: 'https://b.example/feed', category: 'News/Tech' },
    { title: 'C', url: 'https://c.example/feed', category: 'News' },
    { url: 'https://d.example/feed' },
  ];

  it('escapes everything it writes', () => {
    const xml = toOpml(feeds, { title: 'Mine & yours' });
    expect(xml).toContain('text="A &lt;&amp;&gt; &quot;quoted&quot; &apos;feed&apos;"');
    expect(xml).toContain('xmlUrl="https://a.example/rss?x=1&amp;y=2"');
    expect(xml).toContain('<title>Mine &amp; yours</title>');
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('round-trips through parseOpml', () => {
    const back = parseOpml(toOpml(feeds));
    const byUrl = (list: OpmlFeed[]) => [...list].sort((x, y) => x.url.localeCompare(y.url));
    expect(byUrl(back)).toEqual(byUrl(feeds.map((f) => ({ ...f, title: f.title ?? f.url }))));
  });
});
