import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NotAFeedError, parseFeed } from '../../../src/workers/fetch/feed-parse.js';
import { discoverFeeds } from '../../../src/workers/fetch/discover.js';
import { PermanentError } from '../../../src/shared/errors.js';

const FEED_URL = 'https://feeds.example.com/path/feed';
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/feeds/${name}`, import.meta.url), 'utf8');

function thrown(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PermanentError) return err;
    throw err;
  }
  throw new Error('expected a PermanentError');
}

describe('parseFeed: golden fixtures', () => {
  it.each([
    ['rss091.xml', 'rss0.9'],
    ['rss10.rdf', 'rss1.0'],
    ['rss20.xml', 'rss2.0'],
    ['atom03.xml', 'atom0.3'],
    ['atom10.xml', 'atom1.0'],
    ['jsonfeed11.json', 'jsonfeed'],
    ['truncated.xml', 'rss2.0'],
    ['malformed.xml', 'rss2.0'],
  ])('%s', (name, format) => {
    const got = parseFeed(fixture(name), { url: FEED_URL });
    expect(got.format).toBe(format);
    expect(got).toEqual(JSON.parse(fixture(name.replace(/\.\w+$/, '.expected.json'))));
  });
});

describe('parseFeed: what the pipeline relies on', () => {
  it('RSS 2.0: relative links against the channel link, guid as id, content:encoded, dc:creator, media images', () => {
    const feed = parseFeed(fixture('rss20.xml'), { url: FEED_URL });
    const [first, second, third] = feed.items;
    expect(first?.link).toBe('https://wire.example.com/business/rates?utm_source=rss');
    expect(first?.id).toBe('wire-1001');
    expect(first?.author).toBe('Priya Natarajan');
    expect(first?.content).toContain('Markets shrugged');
    expect(first?.summary).toBe('<p>Rates stay at 4%.</p>');
    expect(first?.image).toBe('https://wire.example.com/img/rates.jpg');
    expect(second?.author).toBe('Sam Keller');
    expect(second?.published).toBe('2024-03-06T20:45:00.000Z');
    expect(second?.image).toBe('https://cdn.example.com/derby.png');
    expect(third?.link).toBe('https://wire.example.com/tech/chip');
    expect(third?.published).toBeNull();
  });

  it('Atom 1.0: xml:base on feed and entry, several authors, xhtml content kept in order', () => {
    const feed = parseFeed(fixture('atom10.xml'), { url: FEED_URL });
    expect(feed.title).toBe('The Week');
    expect(feed.link).toBe('https://week.example.com/blog/');
    expect(feed.items.map((i) => i.link)).toEqual([
      'https://week.example.com/blog/2024/03/first',
      'https://other.example.org/news/item?id=2',
      'https://week.example.com/blog/2024/03/third',
    ]);
    expect(feed.items[0]?.author).toBe('Lena Park, Omar Haddad');
    expect(feed.items[1]?.content).toBe('<p>Inline <b>xhtml</b></p>');
    expect(feed.items[2]?.published).toBeNull();
  });

  it('resolves relative links against the feed URL when nothing else is given', () => {
    const xml = '<rss version="2.0"><channel><title>t</title><item><title>a</title><link>a/b.html</link></item></channel></rss>';
    expect(parseFeed(xml, { url: 'https://x.example/dir/feed.xml' }).items[0]?.link).toBe('https://x.example/dir/a/b.html');
  });

  it('drops javascript: and data: links', () => {
    const xml = '<rss version="2.0"><channel><item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>';
    expect(parseFeed(xml, { url: FEED_URL }).items[0]?.link).toBeNull();
  });

  it('accepts RSS without a version attribute, a BOM and leading junk', () => {
    const xml = '\uFEFF  Warning: something in /var/www/feed.php\n<?xml version="1.0"?><rss><channel><title>t</title><item><title>a</title><link>https://x.example/1</link></item></channel></rss>';
    const feed = parseFeed(xml, { url: FEED_URL });
    expect(feed.items).toHaveLength(1);
    expect(feed.warnings.join()).toMatch(/junk/);
  });

  it('an Atom entry with an unreadable date does not lose the feed', () => {
    const xml = '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title><id>1</id><updated>garbage</updated><link href="https://x.example/a"/></entry></feed>';
    const feed = parseFeed(xml, { url: FEED_URL });
    expect(feed.items[0]).toMatchObject({ title: 'a', link: 'https://x.example/a', published: null });
  });
});

describe('parseFeed: hostile input', () => {
  it('never expands an external entity (XXE)', () => {
    const t0 = Date.now();
    const feed = parseFeed(fixture('xxe.xml'), { url: FEED_URL });
    expect(JSON.stringify(feed)).not.toMatch(/root:|\/bin\/(ba)?sh/);
    expect(feed.title).toBe('&xxe;');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('never expands an entity bomb (billion laughs)', () => {
    const t0 = Date.now();
    const feed = parseFeed(fixture('billion-laughs.xml'), { url: FEED_URL });
    expect(JSON.stringify(feed).length).toBeLessThan(2_000);
    expect(feed.items).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('HTML instead of a feed is not_a_feed, with the feeds the page advertises', () => {
    const err = thrown(() => parseFeed(fixture('not-a-feed.html'), { url: 'https://wire.example.com/' }));
    expect(err).toBeInstanceOf(NotAFeedError);
    expect(err.code).toBe('not_a_feed');
    expect((err as NotAFeedError).feeds[0]?.url).toBe('https://wire.example.com/feed.xml');
    expect(err.message).toContain('https://wire.example.com/feed.xml');
  });

  it.each([
    ['', 'feed_parse'],
    ['   \n ', 'feed_parse'],
    ['this is plain text, no markup at all', 'feed_parse'],
    ['<rss version="2.0"><chan', 'feed_parse'],
    ['{"not": "a feed"}', 'not_a_feed'],
    ['{broken json', 'feed_parse'],
    ['<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', 'not_a_feed'],
    ['<html><body>hi</body></html>', 'not_a_feed'],
    ['<rss version="2.0"></rss>', 'feed_parse'],
  ])('%j fails with %s', (body, code) => {
    expect(thrown(() => parseFeed(body, { url: FEED_URL })).code).toBe(code);
  });
});

describe('discoverFeeds', () => {
  it('finds rss, atom and json feed links in order, resolved against <base>, ignoring comments', () => {
    expect(discoverFeeds(fixture('not-a-feed.html'), 'https://elsewhere.example/')).toEqual([
      { url: 'https://wire.example.com/feed.xml', type: 'rss', title: 'All stories' },
      { url: 'https://wire.example.com/feed.atom', type: 'atom', title: 'Atom' },
      { url: 'https://wire.example.com/feed.json', type: 'json', title: null },
    ]);
  });

  it('handles unquoted attributes, odd order and duplicates', () => {
    const html = `<link href=/rss type=application/rss+xml rel="Alternate home"><LINK REL=alternate TYPE="application/rss+xml" HREF="/rss">`;
    expect(discoverFeeds(html, 'https://site.example/x/')).toEqual([{ url: 'https://site.example/rss', type: 'rss', title: null }]);
  });

  it('returns nothing for a page without feeds', () => {
    expect(discoverFeeds('<html><head><link rel="stylesheet" href="a.css"></head></html>', 'https://x.example/')).toEqual([]);
  });
});
