import { describe, expect, it } from 'vitest';
import { articleId, canonicalUrl, resolveUrl } from '../../../src/shared/url.js';
import { PermanentError } from '../../../src/shared/errors.js';

describe('canonicalUrl', () => {
  it.each([
    ['HTTP://Example.COM/Path/To', 'http://example.com/Path/To'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:80/a', 'http://example.com/a'],
    ['http://example.com:8080/a', 'http://example.com:8080/a'],
    ['https://example.com/a#comments', 'https://example.com/a'],
    ['https://example.com/a?', 'https://example.com/a'],
    ['https://example.com', 'https://example.com/'],
    ['https://example.com./a', 'https://example.com/a'],
    ['https://user:pw@example.com/a', 'https://example.com/a'],
    ['https://example.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x', 'https://example.com/a'],
    ['https://example.com/a?id=7&fbclid=abc&gclid=1&dclid=2&msclkid=3', 'https://example.com/a?id=7'],
    ['https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5&ref_src=6&cmpid=7&ocid=8', 'https://example.com/a'],
    ['https://example.com/a?b=2&a=1&c=3', 'https://example.com/a?a=1&b=2&c=3'],
    ['https://example.com/a?b=2&a=1&b=1', 'https://example.com/a?a=1&b=2&b=1'],
    ['https://example.com/a?q=caf%C3%A9%20bar&utm_source=x', 'https://example.com/a?q=caf%C3%A9%20bar'],
    ['https://example.com/a?&&x=1&&', 'https://example.com/a?x=1'],
    ['https://ÉXAMPLE.com/ü', 'https://xn--xample-9ua.com/%C3%BC'],
    ['https://example.com/a?cid=42&ref=home', 'https://example.com/a?cid=42&ref=home'],
  ])('%s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  it('gives the same form for the same article reached different ways', () => {
    const a = canonicalUrl('https://News.example.com/2024/03/story?utm_source=twitter#top');
    const b = canonicalUrl('https://news.example.com:443/2024/03/story');
    expect(a).toBe(b);
  });

  it('throws PermanentError on invalid and non-http URLs', () => {
    expect(() => canonicalUrl('not a url')).toThrow(PermanentError);
    expect(() => canonicalUrl('ftp://example.com/')).toThrow(/http/);
  });
});

describe('articleId', () => {
  it('is a + 20 hex chars, stable across equivalent URLs, safe for BullMQ', () => {
    const id = articleId('https://example.com/a?utm_source=x#y');
    expect(id).toMatch(/^a[0-9a-f]{20}$/);
    expect(id).toBe(articleId('HTTPS://EXAMPLE.COM/a'));
    expect(id).not.toContain(':');
    expect(articleId('https://example.com/b')).not.toBe(id);
  });
});

describe('resolveUrl', () => {
  it.each([
    ['/x', 'https://example.com/a/b', 'https://example.com/x'],
    ['c', 'https://example.com/a/b', 'https://example.com/a/c'],
    ['//cdn.example.com/i.png', 'https://example.com/', 'https://cdn.example.com/i.png'],
    ['  https://other.example/ ', 'https://example.com/', 'https://other.example/'],
    ['https://abs.example/p', undefined, 'https://abs.example/p'],
  ])('%s against %s', (href, base, expected) => {
    expect(resolveUrl(href, base)).toBe(expected);
  });

  it.each([
    ['javascript:alert(1)', 'https://example.com/'],
    [' JavaScript:alert(1)', 'https://example.com/'],
    ['data:text/html,<b>x</b>', 'https://example.com/'],
    ['file:///etc/passwd', 'https://example.com/'],
    ['mailto:a@example.com', 'https://example.com/'],
    ['', 'https://example.com/'],
    ['http://[bad', 'https://example.com/'],
    ['/relative', 'not a base'],
    ['/relative', undefined],
  ])('refuses %j', (href, base) => {
    expect(resolveUrl(href, base)).toBeNull();
  });

  it('refuses non-strings', () => {
    expect(resolveUrl(null, 'https://example.com/')).toBeNull();
    expect(resolveUrl(undefined)).toBeNull();
  });
});
