// A parsed page must not outlive its extraction: jsdom's window indexes elements with an id or
// name for `window[name]`, also in the documents its DOMParser makes, so without releasePage a
// page's whole DOM stayed reachable until the window was replaced (parse.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PAGES_PER_WINDOW, parsePage, releasePage } from '../../../src/workers/readability/parse.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const page = (i: number) =>
  `<html><head><title>Page ${i}</title></head><body><nav id="menu-${i}">menu</nav>` +
  `<article id="story-${i}"><p>Paragraph of page ${i}.</p></article><form name="search-${i}"></form></body></html>`;

async function collected(release: boolean): Promise<number> {
  let freed = 0;
  const registry = new FinalizationRegistry(() => freed++);
  (() => {
    for (let i = 0; i < 5; i++) {
      const doc = parsePage(page(i), `https://example.com/${i}`, 'jsdom');
      registry.register(doc, i);
      if (release) releasePage(doc, 'jsdom');
    }
  })();
  for (let round = 0; round < 10 && freed < 5; round++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  return freed;
}

describe('releasePage', () => {
  it('lets the garbage collector free a jsdom page once extraction is done with it', async () => {
    expect(await collected(true)).toBe(5);
  });

  // Both tests together parse 10 pages, fewer than a window takes: the same window parses them all.
  it('is needed: without it the parsing window keeps the pages alive', async () => {
    expect(PAGES_PER_WINDOW).toBeGreaterThan(10);
    expect(await collected(false)).toBe(0);
  });
});
