// A generated news corpus for fault tests and the pipeline benchmark: F feeds x N items, every
// article page a real page layout (the bundled demo pages, or the development extraction pages
// when asked for and present) with its own title and its own paragraphs, so that every article
// is distinct in text as well as URL. Deterministic for a given seed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packagePath, SHARED_DATA } from '../../src/shared/paths.js';
import { articleId } from '../../src/shared/url.js';
import { seededRandom } from '../../src/shared/random.js';

export interface CorpusArticle {
  feed: number;
  index: number;
  /** Path on the corpus server, e.g. `/news/f0/12.html`. */
  path: string;
  title: string;
  /** A phrase that appears only in this article's text. */
  marker: string;
  /** The page, built on each read (a 20,000-article soak corpus would not fit in memory). */
  readonly html: string;
}

export interface CorpusFeed {
  name: string;
  path: string;
  items: CorpusArticle[];
}

export interface Corpus {
  feeds: CorpusFeed[];
  articles: CorpusArticle[];
  /** RSS 2.0 for one feed, with links on `base`; items dated by `published` when given. */
  feedXml(feed: CorpusFeed, base: string, published?: (article: CorpusArticle) => Date): string;
  /** The article id the pipeline derives from the item's link on `base`. */
  idOf(article: CorpusArticle, base: string): string;
}

export interface CorpusOptions {
  feeds?: number;
  perFeed?: number;
  seed?: number;
  /** Page layouts: `fixtures` (bundled demo pages, default) or `shared` (../shared/data/extraction, falls back to fixtures). */
  templates?: 'fixtures' | 'shared';
}

/** A small deterministic PRNG (shared with training). */
export const prng = seededRandom;

const WHO = ['The city council', 'Regional health officials', 'A coalition of farmers', 'The transport ministry', 'Harbour workers', 'University researchers', 'The national weather service', 'Local traders', 'A parliamentary committee', 'The football association', 'Energy regulators', 'Teachers unions'];
const DID = ['announced plans for', 'voted against', 'published a report on', 'raised concerns about', 'agreed to fund', 'delayed a decision on', 'launched an inquiry into', 'warned of delays to', 'celebrated the opening of', 'called for a review of'];
const WHAT = ['a new bridge across the river', 'the expansion of the northern rail line', 'water quality in the bay', 'a programme of school repairs', 'rising rents in the old town', 'the future of the harbour market', 'flood defences along the coast', 'a pilot scheme for electric buses', 'the budget for rural clinics', 'a stadium redevelopment', 'broadband in hill villages', 'the closure of a steel plant'];
const WHEN = ['on Monday', 'on Tuesday', 'late on Wednesday', 'on Thursday morning', 'on Friday', 'over the weekend', 'earlier this month', 'after a long meeting'];
const PLACES = ['Northbridge', 'Harbour City', 'Eastmere', 'Westfold', 'Kingsport', 'Ashby Vale', 'Redcliff', 'Lowmoor', 'Brightwater', 'Stonehaven'];
const NAMES = ['Maria Okafor', 'Daniel Reyes', 'Aiko Tanaka', 'Samuel Lindqvist', 'Priya Raman', 'Jonas Becker', 'Fatima Haddad', 'Lucas Moreau'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function sentence(rand: () => number): string {
  const n = 2 + Math.floor(rand() * 900);
  return `${pick(rand, WHO)} in ${pick(rand, PLACES)} ${pick(rand, DID)} ${pick(rand, WHAT)} ${pick(rand, WHEN)}, ` +
    `saying about ${n} residents would be affected, according to ${pick(rand, NAMES)}.`;
}

function paragraph(rand: () => number, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(rand)).join(' ');
}

interface Template {
  html: string;
}

function fixtureTemplates(): Template[] {
  const root = packagePath('fixtures', 'demo', 'pages');
  const out: Template[] = [];
  for (const section of readdirSync(root).sort()) {
    for (const file of readdirSync(join(root, section)).sort()) {
      if (file.endsWith('.html')) out.push({ html: readFileSync(join(root, section, file), 'utf8') });
    }
  }
  return out;
}

/** The development extraction pages (fundus-dev), when ../shared/data is present. */
export function sharedTemplates(): Template[] | null {
  const dir = join(SHARED_DATA, 'extraction', 'fundus-dev', 'html');
  if (!existsSync(dir)) return null;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gz'))
    .sort()
    .map((f) => {
      const bytes = gunzipSync(readFileSync(join(dir, f)));
      const head = bytes.subarray(0, 4096).toString('latin1');
      const label = /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase() ?? 'utf-8';
      let html: string;
      try {
        html = new TextDecoder(label).decode(bytes);
      } catch {
        html = new TextDecoder('utf-8').decode(bytes);
      }
      // The page is served as UTF-8 whatever it declared.
      return { html: html.replace(/<meta[^>]+charset[^>]*>/gi, '<meta charset="utf-8">') };
    });
}

/** Give a template page a new title, canonical link and unique paragraphs. */
function personalise(template: Template, title: string, unique: string[], path: string, marker: string): string {
  const paras = unique.map((p) => `<p>${p}</p>`).join('\n');
  let html = template.html
    .replace(/<title>[\s\S]*?<\/title>/i, `<title>${escapeXml(title)}</title>`)
    .replace(/(<meta[^>]+property=["']og:title["'][^>]+content=)("[^"]*"|'[^']*')/i, `$1"${escapeXml(title)}"`)
    .replace(/<link[^>]+rel=["']canonical["'][^>]*>/i, `<link rel="canonical" href="{{BASE}}${path}">`)
    .replace(/<h1([^>]*)>[\s\S]*?<\/h1>/i, `<h1$1>${escapeXml(title)}</h1>`);
  // Long paragraphs are the template's article text: make each one this article's own, or the
  // extractor's per-site layer would rightly learn them as boilerplate repeated on every page.
  let k = 0;
  html = html.replace(/(<p[\s>](?:(?!<\/p>)[\s\S]){160,}?)(<\/p>)/gi, (_m, text: string, close: string) => `${text} (${marker} ${k++})${close}`);
  // After the longest paragraph: in a news page that is almost always inside the article body.
  let best: { end: number; len: number } | null = null;
  for (const m of html.matchAll(/<p[\s>][\s\S]*?<\/p>/gi)) {
    if (!best || m[0].length > best.len) best = { end: m.index! + m[0].length, len: m[0].length };
  }
  if (best) html = `${html.slice(0, best.end)}\n${paras}\n${html.slice(best.end)}`;
  else html = html.replace(/<body([^>]*)>/i, `<body$1><article><h1>${escapeXml(title)}</h1>${paras}</article>`);
  return html;
}

export function buildCorpus(opts: CorpusOptions = {}): Corpus {
  const feedCount = opts.feeds ?? 3;
  const perFeed = opts.perFeed ?? 30;
  const rand = prng(opts.seed ?? 20240501);
  const templates = (opts.templates === 'shared' ? sharedTemplates() : null) ?? fixtureTemplates();
  const feeds: CorpusFeed[] = [];
  const articles: CorpusArticle[] = [];
  for (let f = 0; f < feedCount; f++) {
    const name = `${pick(rand, PLACES)} Courier ${f}`;
    const items: CorpusArticle[] = [];
    for (let i = 0; i < perFeed; i++) {
      const path = `/news/f${f}/${i}.html`;
      const marker = `dispatch ${f}-${i}-${Math.floor(rand() * 1e9).toString(36)}`;
      const title = `${pick(rand, WHO)} ${pick(rand, DID)} ${pick(rand, WHAT)} (${name}, ${marker})`;
      const unique = [
        `${paragraph(rand, 2)} This is ${marker}.`,
        paragraph(rand, 3),
        paragraph(rand, 2),
      ];
      const template = templates[(f * perFeed + i) % templates.length]!;
      const article: CorpusArticle = {
        feed: f,
        index: i,
        path,
        title,
        marker,
        get html() {
          return personalise(template, title, unique, path, marker);
        },
      };
      items.push(article);
      articles.push(article);
    }
    feeds.push({ name, path: `/feeds/f${f}.xml`, items });
  }

  const feedXml = (feed: CorpusFeed, base: string, published?: (article: CorpusArticle) => Date): string => {
    const items = feed.items
      .map((a, i) => {
        const pub = (published?.(a) ?? new Date(Date.UTC(2024, 4, 1, 6, 0, 0) + (a.feed * 1000 + i) * 60_000)).toUTCString();
        return `<item><title>${escapeXml(a.title)}</title><link>${base}${a.path}</link><guid isPermaLink="false">${escapeXml(a.marker)}</guid><pubDate>${pub}</pubDate></item>`;
      })
      .join('\n');
    return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${escapeXml(feed.name)}</title><link>${base}/</link><description>Generated feed</description>\n${items}\n</channel></rss>\n`;
  };

  return { feeds, articles, feedXml, idOf: (a, base) => articleId(`${base}${a.path}`) };
}

/** One ordinary article page for `path` (a demo layout with its own title and text). */
export function articlePage(path: string, title: string): string {
  let seed = 0;
  for (const ch of path) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
  const rand = prng(seed);
  const templates = fixtureTemplates();
  const unique = [`${paragraph(rand, 2)} (${title})`, paragraph(rand, 3), paragraph(rand, 2)];
  return personalise(templates[seed % templates.length]!, title, unique, path, `page ${seed.toString(36)}`);
}
