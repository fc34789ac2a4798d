// A parsed page must not outlive its extraction: jsdom's window indexes elements with an id or
// name for `window[name]`, also in the documents its DOMParser makes, so without releasePage a
// page's whole DOM stayed reachable until the window was replaced; and each document's selector
// engine registers listeners on the window that keep the last node it matched (parse.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JSDOM, VirtualConsole } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { PAGES_PER_WINDOW, parsePage, releasePage } from '../../../src/workers/readability/parse.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const page = (i: number) =>
  `<html><head><title>Page ${i}</title></head><body><nav id="menu-${i}">menu</nav>` +
  `<article id="story-${i}"><p>Paragraph of page ${i}.</p></article><form name="search-${i}"></form></body></html>`;

/** Selector matching as Readability and the section restorer (sections.ts) do it. */
function query(doc: Document): void {
  expect(doc.querySelectorAll('p')).toHaveLength(1);
  expect(doc.querySelector('article p')?.closest('article')?.matches('[id^="story-"]')).toBe(true);
}

async function collected(parse: (i: number) => Document, release: boolean, queried = false): Promise<number> {
  let freed = 0;
  const registry = new FinalizationRegistry(() => freed++);
  (() => {
    for (let i = 0; i < 5; i++) {
      const doc = parse(i);
      registry.register(doc, i);
      if (queried) query(doc);
      if (release) releasePage(doc, 'jsdom');
    }
  })();
  return settle(() => freed, registry);
}

/** Collects until all 5 pages are freed or 10 rounds pass; `registry` must outlive the rounds. */
async function settle(freed: () => number, registry: FinalizationRegistry<number>): Promise<number> {
  for (let round = 0; round < 10 && freed() < 5; round++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  // A collected registry calls back nothing, and 0 freed would then prove nothing.
  expect(registry).toBeInstanceOf(FinalizationRegistry);
  return freed();
}

const ours = (i: number) => parsePage(page(i), `https://example.com/${i}`, 'jsdom');

describe('releasePage', () => {
  it('lets the garbage collector free a jsdom page once extraction is done with it', async () => {
    expect(await collected(ours, true)).toBe(5);
  });

  it('frees pages that selectors have matched in', async () => {
    expect(await collected(ours, true, true)).toBe(5);
  });

  // The tests together parse 15 pages, fewer than a window takes: the same window parses them all.
  it('is needed: without it the parsing window keeps the pages alive', async () => {
    expect(PAGES_PER_WINDOW).toBeGreaterThan(15);
    expect(await collected(ours, false)).toBe(0);
  });
});

describe('the parsing window', () => {
  // Upstream behaviour the parsing window works around: if this starts failing, jsdom's selector
  // engine no longer pins pages through window listeners, and ignoreListeners (parse.ts) can go.
  it('is needed: a plain jsdom window keeps every page a selector matched in', async () => {
    const window = new JSDOM('', { url: 'https://example.com/', virtualConsole: new VirtualConsole() }).window;
    const parser = new window.DOMParser();
    try {
      const plain = (i: number) => parser.parseFromString(page(i), 'text/html') as unknown as Document;
      // Released as ours are, so the window's name index is not what keeps them.
      expect(await collected(plain, true, true)).toBe(0);
    } finally {
      window.close();
    }
  });
});
