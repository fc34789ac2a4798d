// Golden tests for the two seed stories rebuilt as full pages: every article paragraph of the
// seed survives, and none of the boilerplate the outlets printed inside the article does.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTRACT_DOMS } from '../../../src/shared/config.js';
import { extractArticle } from '../../../src/workers/readability/extract.js';
import { repoRoot } from './helpers.js';

interface Expected {
  url: string;
  seed: string;
  metadata: Record<string, string>;
  paragraphs: string[];
  absent: string[];
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

for (const name of ['seed-iran-russia-theweek', 'seed-iran-russia-aggregator']) {
  describe.each(EXTRACT_DOMS)(`${name} on %s`, (dom) => {
    const dir = path.join(repoRoot, 'fixtures/pages');
    const html = readFileSync(path.join(dir, `${name}.html`), 'utf8');
    const expected = JSON.parse(readFileSync(path.join(dir, `${name}.expected.json`), 'utf8')) as Expected;
    const article = extractArticle(html, { url: expected.url, dom });

    it('keeps every article paragraph of the seed, in order', () => {
      const got = article.paragraphs.map(squash);
      const positions = expected.paragraphs.map((p) => got.indexOf(squash(p)));
      expect(positions.filter((i) => i < 0), 'missing paragraphs').toEqual([]);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(article.paragraphs).toHaveLength(expected.paragraphs.length);
    });

    it('drops all the boilerplate printed inside the article', () => {
      for (const junk of expected.absent) {
        expect(article.text, junk).not.toContain(junk);
        expect(decode(article.html), junk).not.toContain(junk);
      }
    });

    it('reads the metadata', () => {
      expect(article).toMatchObject(expected.metadata);
      expect(article.text).toBe(article.paragraphs.join('\n\n'));
      expect(article.fingerprints).toHaveLength(article.paragraphs.length);
      expect(article.html).not.toMatch(/<script|<style|class=|\son\w+=/i);
    });

    // The expected paragraphs are the seed's own lines minus the listed boilerplate.
    const seedFile = path.resolve(repoRoot, '../shared/seeds', expected.seed);
    it.skipIf(!existsSync(seedFile))('expected file matches the seed text', () => {
      const lines = readFileSync(seedFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).slice(1);
      const body = lines.filter((l) => !expected.absent.some((b) => l === b || l.startsWith(b)));
      expect(body).toEqual(expected.paragraphs);
    });
  });
}
