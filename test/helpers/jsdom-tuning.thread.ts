// Runs in a fresh piscina thread (jsdom-tuning.test.ts): loads the extraction modules the way the
// extraction pool's threads do (extract.js first: jsdom-tuning must run before jsdom loads),
// then exercises the jsdom behaviour the tuning replaces.
import { extractArticle } from '../../src/workers/readability/extract.js';
import { JSDOM } from 'jsdom';
import { createRequire } from 'node:module';
import { jsdomTuning } from '../../src/workers/readability/jsdom-tuning.js';
import { URL, articlePage } from '../unit/readability/helpers.js';

const { implForWrapper } = createRequire(import.meta.url)('jsdom/lib/generated/idl/utils.js') as { implForWrapper(w: object): object };

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

  // An unobserved mutation schedules the observers' notification as jsdom's own code does, so a
  // callback for a later observed mutation still runs before a promise queued in between.
  const order: string[] = [];
  const second = new MutationObserver(() => order.push('observer'));
  second.observe(watched, { attributes: true });
  outside.setAttribute('data-n', '1');
  void Promise.resolve().then(() => order.push('promise'));
  watched.setAttribute('data-n', '1');
  await new Promise((resolve) => setTimeout(resolve, 0));
  second.disconnect();
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

  // The style cache in use is the tuning's (it replaces jsdom's WeakMap on the first change).
  const styleCache = (implForWrapper(document) as { _styleCache: object })._styleCache.constructor.name;

  const article = extractArticle(articlePage('en', ''), { url: URL });
  dom.window.close();
  return { tuning: jsdomTuning, records, order, styleCache, memo: { sameBefore, lengthBefore, renewed, lengthAfter }, style, words: article.wordCount };
}
