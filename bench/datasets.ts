// Loads the labelled extraction sets in ../shared/data/extraction (development data, never copied
// into the repo): gunzips each page and decodes it with the charset the page declares.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { LabelledPage } from '../src/workers/readability/block-training.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dataDir = path.resolve(repoRoot, '../shared/data/extraction');

export function hasExtractionData(): boolean {
  return existsSync(path.join(dataDir, 'fundus-dev/ground_truth.json'));
}

/** Charset from `<meta charset>` / `http-equiv` in the first bytes, else UTF-8. */
export function decodeHtml(bytes: Buffer): string {
  const head = bytes.subarray(0, 4096).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head);
  const label = m?.[1]?.toLowerCase() ?? 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export interface FundusPage {
  name: string;
  url: string;
  html: string;
  /** Paragraphs; optional ones keep their `[...]` brackets. */
  body: string[];
}

export function loadFundus(): FundusPage[] {
  const dir = path.join(dataDir, 'fundus-dev');
  const gold = JSON.parse(readFileSync(path.join(dir, 'ground_truth.json'), 'utf8')) as Record<
    string,
    { body: string[]; url: string }
  >;
  return Object.entries(gold).map(([name, g]) => ({
    name,
    url: g.url,
    body: g.body,
    html: decodeHtml(gunzipSync(readFileSync(path.join(dir, 'html', name)))),
  }));
}

export interface SnippetPage {
  url: string;
  html: string;
  with: string[];
  without: string[];
}

export function loadTrafilatura(): SnippetPage[] {
  const dir = path.join(dataDir, 'trafilatura-990');
  const gold = JSON.parse(readFileSync(path.join(dir, 'evaldata.json'), 'utf8')) as Record<
    string,
    { file: string; with: string[]; without: string[] }
  >;
  const pages: SnippetPage[] = [];
  for (const [url, g] of Object.entries(gold)) {
    const file = ['eval', 'cache']
      .map((sub) => path.join(dir, sub, `${g.file}.gz`))
      .find((p) => existsSync(p));
    if (!file) continue;
    pages.push({ url, html: decodeHtml(gunzipSync(readFileSync(file))), with: g.with, without: g.without });
  }
  return pages;
}

/** fundus-dev and the first `trafilaturaLimit` trafilatura-990 pages as labelled pages for the boilerplate classifier. */
export function sharedLabelledPages(trafilaturaLimit = Infinity): LabelledPage[] {
  return [
    ...loadFundus().map((p) => ({ source: 'fundus-dev', name: p.name, url: p.url, html: p.html, gold: { kind: 'full' as const, paragraphs: p.body } })),
    ...loadTrafilatura()
      .slice(0, trafilaturaLimit)
      .map((p, i) => ({ source: 'trafilatura-990', name: String(i), url: p.url, html: p.html, gold: { kind: 'snippets' as const, with: p.with, without: p.without } })),
  ];
}
