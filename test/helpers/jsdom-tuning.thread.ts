// Runs in a fresh piscina thread (jsdom-tuning.test.ts): loads the extraction modules the way the
// extraction pool's threads do, then exercises the jsdom behaviour the tuning replaces.
// The extraction modules first, as in the pool's threads: jsdom-tuning must run before jsdom loads.
import { extractArticle } from '../../src/workers/readability/extract.js';
import { JSDOM } from 'jsdom';
import { jsdomTuning } from '../../src/workers/readability/jsdom-tuning.js';
import { URL, articlePage } from '../unit/readability/helpers.js';

export default async function report() {
  const dom = new JSDOM(
    '<style>.gone{display:none}</style><div id="watched"><p id="a">one</p><p id="b">two</p></div><div id="outside"><p>three</p></div>',
  );
  const { document, MutationObserver, getComputedStyle } = dom.window;
  const watched = document.getElementById('watched')!;
  const outside = document.getElementById('outside')!;
  const records: string[] = [];
  const observer = new MutationObserver((list) => {
    for (const r of list) {
      const target = (r.target as Element).id || r.target.nodeName;
      records.push(`${r.type}:${target}:${r.oldValue ?? ''}:+${r.addedNodes.length}-${r.removedNodes.length}`);
    }
  });
  observer.observe(watched, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeOldValue: true,
    characterData: true,
    characterDataOldValue: true,
  });

  // Inside the observed subtree: one record each.
  document.getElementById('a')!.setAttribute('class', 'x');
  document.getElementById('b')!.firstChild!.textContent = 'TWO';
  watched.appendChild(document.createElement('span'));
  document.getElementById('a')!.remove();
  // Outside it: none.
  outside.setAttribute('class', 'y');
  outside.appendChild(document.createElement('span'));
  outside.firstElementChild!.firstChild!.textContent = 'THREE';
  await new Promise((resolve) => setTimeout(resolve, 0));
  observer.disconnect();

  // Query memos: a memoised collection is the same object until the subtree changes; it stays live.
  const ps = document.body.getElementsByTagName('p');
  const sameBefore = ps === document.body.getElementsByTagName('p');
  const lengthBefore = ps.length;
  outside.appendChild(document.createElement('p'));
  const renewed = ps !== document.body.getElementsByTagName('p');
  const lengthAfter = ps.length;

  // Computed style follows class changes (the style cache is dropped on change).
  const b = document.getElementById('b')!;
  const style = [getComputedStyle(b).display];
  b.className = 'gone';
  style.push(getComputedStyle(b).display);
  b.className = '';
  style.push(getComputedStyle(b).display);

  const article = extractArticle(articlePage('en', ''), { url: URL });
  dom.window.close();
  return { tuning: jsdomTuning, records, memo: { sameBefore, lengthBefore, renewed, lengthAfter }, style, words: article.wordCount };
}
