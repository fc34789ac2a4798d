// NewsReadability reorders one of Readability.js's tests for speed; it must answer as the
// original does for every element, and the original must still exist under that name.
import { Readability } from '@mozilla/readability';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { NewsReadability } from '../../../src/workers/readability/extract.js';

type BylineTest = (node: Element, matchString: string) => boolean;

const PAGE = `<body>
  <a rel="author" href="/a">Jane Doe</a>
  <a rel="author" href="/b"></a>
  <span itemprop="author">John Roe</span>
  <span itemprop="creator author name">John Roe</span>
  <span itemprop="author">${'very long '.repeat(20)}</span>
  <div class="byline">By Jane Doe</div>
  <div id="post-author">   </div>
  <p class="dateline">LONDON, March 3</p>
  <p class="story">An ordinary paragraph that is not a byline.</p>
  <section><div class="author-bio">${'A bio that runs on. '.repeat(10)}</div></section>
  <span itemprop="">x</span>
</body>`;

describe('NewsReadability', () => {
  it('overrides a method Readability.js still has', () => {
    expect(typeof (Readability.prototype as unknown as Record<string, unknown>)['_isValidByline']).toBe('function');
  });

  it('answers the byline test as Readability.js does, for every element', () => {
    const doc = new JSDOM(PAGE).window.document;
    const original = (Readability.prototype as unknown as { _isValidByline: BylineTest })._isValidByline;
    const ours = new NewsReadability(doc);
    const answers: boolean[] = [];
    for (const el of doc.body.querySelectorAll('*')) {
      const matchString = `${el.className} ${el.id}`;
      const expected = original.call(ours, el, matchString);
      expect(ours._isValidByline(el, matchString), el.outerHTML.slice(0, 60)).toBe(expected);
      answers.push(expected);
    }
    // The page holds both answers, so the comparison means something.
    expect(answers.filter(Boolean).length).toBe(5);
    expect(answers.length).toBe(12);
  });
});
