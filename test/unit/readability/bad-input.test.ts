// Inputs that are not an article fail fast with a PermanentError a person can act on; hostile
// markup (huge, deeply nested, broken) never hangs or crashes the extractor.
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/shared/errors.js';
import { EXTRACT_DOMS } from '../../../src/shared/config.js';
import { type ExtractOptions, extractArticle as extract } from '../../../src/workers/readability/extract.js';
import { flattenDeepNesting, stripHeavyElements } from '../../../src/workers/readability/prepare.js';
import { URL, articlePage, prose } from './helpers.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PermanentError) return err.code;
    throw err;
  }
  throw new Error('expected a PermanentError');
}

// Every case runs on both DOMs extraction can parse with (extract.dom).
describe.each(EXTRACT_DOMS)('bad input on %s', (dom) => {
  const extractArticle = (html: string, opts: ExtractOptions) => extract(html, { ...opts, dom });

  it('rejects empty, binary, non-HTML and content-free pages with a reason', () => {
    expect(codeOf(() => extractArticle('', { url: URL }))).toBe('empty');
    expect(codeOf(() => extractArticle('  \n\t ', { url: URL }))).toBe('empty');
    expect(codeOf(() => extractArticle('%PDF-1.7\n\u0000\u0001\u0002binary', { url: URL }))).toBe('binary');
    const noise = Array.from({ length: 4000 }, (_, i) => String.fromCharCode(i % 31 === 9 ? 1 : (i * 7) % 30)).join('');
    expect(codeOf(() => extractArticle(`<html>${noise.replace(/\u0000/g, '\u0001')}`, { url: URL }))).toBe('binary');
    expect(codeOf(() => extractArticle('{"title": "not a page", "items": [1, 2, 3]}', { url: URL }))).toBe('not_html');
    expect(codeOf(() => extractArticle('just some words, no markup at all', { url: URL }))).toBe('not_html');
    expect(codeOf(() => extractArticle('<html><body><nav><a href="/">Home</a></nav></body></html>', { url: URL }))).toBe('no_content');
  });

  it('extracts a real page that carries a stray run of NUL bytes, without them', () => {
    // As crawled from a Bolivian daily: eleven NULs after a banner image, in a page of 190 KB.
    const filler = `<div class="teaser">${'<a href="/x">Related story</a> '.repeat(800)}</div>`;
    const page = articlePage('es', '', { after: filler }).replace('<main>', `<main><a href="/ad"><img src="/banner.gif" alt="">${'\u0000'.repeat(11)}</a>`);
    const article = extractArticle(page, { url: URL });
    expect(article.text).toContain(prose('es')[0]!.slice(0, 40));
    expect(article.text).not.toContain('\u0000');
  });

  it('counts words in Chinese and Japanese text, which has no spaces between them', () => {
    const zh = ['一个约定，信守十五年，感人至深；一段真情，延续十五年，温暖人心。', '村里的老人们说，这样的故事应该让更多的年轻人知道。'];
    const page = `<html><head><title>一个约定</title></head><body><article><h1>一个约定</h1><p>${zh.join('</p><p>')}</p></article></body></html>`;
    const article = extractArticle(page, { url: URL });
    expect(article.text).toContain(zh[0]);
    // One word per Han character; punctuation is not a word.
    const han = zh.join('').match(/\p{Script=Han}/gu)!.length;
    expect(article.wordCount).toBe(han);
  });

  it('rejects a 50 MB page quickly', () => {
    const huge = `<html><body>${'<p>word </p>'.repeat(50 * 1024 * 1024 / 12)}</body></html>`;
    const t = performance.now();
    expect(codeOf(() => extractArticle(huge, { url: URL }))).toBe('too_large');
    expect(performance.now() - t).toBeLessThan(200);
  });

  it('survives 100,000 nested divs quickly, with the text kept', () => {
    const depth = 100_000;
    const html = `<html><body><article>${'<div>'.repeat(depth)}<p>${prose('en').join('</p><p>')}</p>${'</div>'.repeat(depth)}</article></body></html>`;
    const t = performance.now();
    const a = extractArticle(html, { url: URL });
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(a.text).toContain(prose('en')[1]);
  });

  it('flattens only what is too deep', () => {
    const ok = '<div><div><p>x</p></div></div>';
    expect(flattenDeepNesting(ok, 3)).toBe(ok);
    expect(flattenDeepNesting('<div><div><div><div>x</div></div></div></div>', 2)).toBe('<div><div>x</div></div>');
  });

  it('strips scripts, styles and comments before parsing, keeping JSON-LD aside', () => {
    const p = stripHeavyElements(
      '<p>a</p><script>if (a<b) document.write("</p>")</script><style>p{}</style><!-- c --><svg/><p style="display:none">h</p><script type="application/ld+json">{"x":1}</script><p>b</p>',
    );
    expect(p.html).toBe('<p>a</p><p hidden>h</p><p>b</p>');
    expect(p.jsonLd).toEqual(['{"x":1}']);
    // Comments end where a browser ends them: `<!-->` and `<!--->` are empty comments, `--!>` closes one.
    expect(stripHeavyElements('<p>a<!-->b</p><p>c<!--->d</p><p>e<!-- x --!>f</p><p>g<!-- open').html).toBe('<p>ab</p><p>cd</p><p>ef</p><p>g');
  });

  it('copes with broken markup', () => {
    const broken = articlePage('en', '<p>Unclosed <b>bold <i>italic</p><div><span>stray</div></span></td><p>Another paragraph without end')
      .replace('</body></html>', '<!-- never closed');
    const a = extractArticle(broken, { url: URL });
    expect(a.paragraphs).toEqual(expect.arrayContaining(prose('en')));
  });

  it('rejects an unusable page URL as permanent', () => {
    expect(codeOf(() => extractArticle(articlePage('en', ''), { url: 'not a url' }))).toBe('invalid_url');
  });
});
