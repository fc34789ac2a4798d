import { describe, expect, it } from 'vitest';
import { ALLOW_ALL, DISALLOW_ALL, crawlDelay, isAllowed, parseRobots, productToken } from '../../../src/workers/fetch/robots.js';

const UA = 'newsflow/0.1.0 (+https://github.com/newsflow/newsflow)';

describe('robots.txt', () => {
  const rules = parseRobots(`
# comment line
Sitemap: https://site.example/sitemap.xml
User-agent: *
Disallow: /private/
Disallow: /tmp
Allow: /private/press/
Crawl-delay: 2

User-agent: Googlebot
User-agent: NewsFlow
Disallow: /no-bots/   # trailing comment
Allow: /no-bots/ok$
Disallow: /*.pdf$
Disallow: /search*q=
Crawl-delay: 5

user-agent: otherbot
disallow: /
`);

  it('parses groups, rules, sitemaps and crawl-delay', () => {
    expect(rules.groups).toHaveLength(3);
    expect(rules.groups[1]?.agents).toEqual(['googlebot', 'newsflow']);
    expect(rules.sitemaps).toEqual(['https://site.example/sitemap.xml']);
    expect(crawlDelay(rules, UA)).toBe(5);
    expect(crawlDelay(rules, 'SomeoneElse/2.0')).toBe(2);
    expect(crawlDelay(rules, 'otherbot')).toBeNull();
  });

  it('picks the group naming our product token, case-insensitively, over *', () => {
    expect(productToken(UA)).toBe('newsflow');
    // /private/ is only disallowed for *, not in our group.
    expect(isAllowed(rules, UA, '/private/x')).toBe(true);
    expect(isAllowed(rules, UA, '/no-bots/page')).toBe(false);
    expect(isAllowed(rules, 'SomeoneElse/2.0', '/private/x')).toBe(false);
    expect(isAllowed(rules, 'otherbot', '/anything')).toBe(false);
  });

  it('longest match wins; Allow wins a tie', () => {
    expect(isAllowed(rules, 'x', '/private/press/release')).toBe(true);
    expect(isAllowed(rules, 'x', '/private/secret')).toBe(false);
    const tie = parseRobots('User-agent: *\nDisallow: /page\nAllow: /page\n');
    expect(isAllowed(tie, UA, '/page')).toBe(true);
  });

  it('handles * and $ wildcards', () => {
    expect(isAllowed(rules, UA, '/docs/file.pdf')).toBe(false);
    expect(isAllowed(rules, UA, '/docs/file.pdf?download=1')).toBe(true);
    expect(isAllowed(rules, UA, '/no-bots/ok')).toBe(true);
    expect(isAllowed(rules, UA, '/no-bots/ok/more')).toBe(false);
    expect(isAllowed(rules, UA, '/search?lang=en&q=rates')).toBe(false);
    expect(isAllowed(rules, UA, '/search?lang=en')).toBe(true);
  });

  it('accepts full URLs and prefix matches like /tmp vs /tmpfile', () => {
    expect(isAllowed(rules, 'x', 'https://site.example/tmpfile.html')).toBe(false);
    expect(isAllowed(rules, 'x', 'https://site.example/ok')).toBe(true);
  });

  it('an empty Disallow allows everything; rules before any User-agent are ignored', () => {
    const r = parseRobots('Disallow: /\nUser-agent: *\nDisallow:\n');
    expect(isAllowed(r, UA, '/anything')).toBe(true);
  });

  it('/robots.txt itself is always allowed', () => {
    expect(isAllowed(DISALLOW_ALL, UA, '/robots.txt')).toBe(true);
    expect(isAllowed(DISALLOW_ALL, UA, '/')).toBe(false);
    expect(isAllowed(ALLOW_ALL, UA, '/anything')).toBe(true);
  });

  it('compares percent-encoding alike and tolerates CRLF, BOM-less junk and bad delays', () => {
    const r = parseRobots('User-agent: *\r\nDisallow: /caf%c3%a9\r\nCrawl-delay: soon\r\ngarbage line\r\n');
    expect(isAllowed(r, UA, '/café/menu')).toBe(false);
    expect(isAllowed(r, UA, '/caf%C3%A9/menu')).toBe(false);
    expect(crawlDelay(r, UA)).toBeNull();
  });

  it('matches a User-agent line written with a version', () => {
    const r = parseRobots('User-agent: newsflow/1.0\nDisallow: /x\n\nUser-agent: *\nDisallow: /\n');
    expect(isAllowed(r, UA, '/y')).toBe(true);
    expect(isAllowed(r, UA, '/x')).toBe(false);
  });
});
