// The extraction stage's pure core: one HTML page in, one ExtractedArticle out. Parses once
// (after cheap string passes), reads metadata before Readability mutates the document, then
// cleans Readability's pick block by block. Synchronous and CPU-bound: run it off the event
// loop through extract.pool.ts.
import { Readability } from '@mozilla/readability';
import { JSDOM, VirtualConsole } from 'jsdom';
import { PermanentError } from '../../shared/errors.js';
import type { ExtractedArticle } from '../../shared/types.js';
import { collectBlocks } from './blocks.js';
import { descendants, findDescendant } from './dom.js';
import { KEEP_ATTR, cleanBlocks, removeStructuralBoilerplate } from './boilerplate.js';
import { normaliseForFingerprint } from './fingerprint.js';
import { cleanByline, normaliseDate, normaliseLang, readMetadata } from './metadata.js';
import { assertLooksLikeHtml, stripHeavyElements } from './prepare.js';
import { mapPage, restoreSplitSections } from './sections.js';

export { fingerprint } from './fingerprint.js';

/** Per-site CSS selectors from config: `drop` is removed before extraction; `keep` is never removed as boilerplate. */
export interface SiteRules {
  drop?: string[];
  keep?: string[];
}

export interface ExtractOptions {
  url: string;
  siteRules?: SiteRules;
  /** Fingerprints (see `fingerprint`) of blocks known to be boilerplate on this site. */
  knownBoilerplate?: ReadonlySet<string>;
}

/** Fewer words than this after cleaning is not an article. */
const MIN_WORDS = 15;

// Chinese, Japanese and Thai do not separate words with spaces: each of their characters counts
// as a word (the convention of word processors); elsewhere a word is a run between spaces that
// holds a letter or a digit (a lone dash or bullet is not a word).
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}';
const WORDS = new RegExp(`[${CJK}]|[^\\s${CJK}]*(?![${CJK}])[\\p{L}\\p{N}][^\\s${CJK}]*`, 'gu');

/** Words in a text, counting each Chinese, Japanese or Thai character as one. */
export function countWords(text: string): number {
  let n = 0;
  WORDS.lastIndex = 0;
  while (WORDS.exec(text)) n++;
  return n;
}

function applySiteRules(doc: Document, rules: SiteRules | undefined): void {
  const each = (selectors: string[] | undefined, fn: (el: Element) => void) => {
    for (const sel of selectors ?? []) {
      try {
        doc.querySelectorAll(sel).forEach(fn);
      } catch (err) {
        throw new PermanentError('bad_site_rule', `invalid selector in site rules: ${sel}`, { cause: err });
      }
    }
  };
  each(rules?.drop, (el) => el.remove());
  each(rules?.keep, (el) => el.setAttribute(KEEP_ATTR, ''));
}

const KEEP_ATTRS: Record<string, readonly string[]> = { a: ['href'], img: ['src', 'alt'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] };
const DROP_ELEMENTS = new Set(['script', 'style', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'select', 'textarea', 'noscript', 'template', 'svg', 'link', 'meta']);
const EMPTIABLE = new Set(['div', 'section', 'span', 'figure', 'ul', 'ol', 'blockquote', 'p']);

/** Only structure survives: no classes, ids, styles or handlers; only http(s) links and images. */
function sanitise(root: Element): string {
  // Readability's result is detached from the page, so isConnected cannot tell what is gone;
  // removing a descendant of an element already removed is harmless.
  for (const el of descendants(root)) if (DROP_ELEMENTS.has(el.localName)) el.remove();
  for (const el of [root, ...descendants(root)]) {
    const allowed = KEEP_ATTRS[el.localName] ?? [];
    for (const a of [...el.attributes]) {
      const unsafeUrl = (a.name === 'href' || a.name === 'src') && !/^https?:/i.test(a.value.trim());
      if (!allowed.includes(a.name) || unsafeUrl) el.removeAttribute(a.name);
    }
  }
  // Containers emptied by cleaning.
  for (const el of descendants(root).reverse()) {
    if (EMPTIABLE.has(el.localName) && !el.textContent?.trim() && !findDescendant(el, (d) => d.localName === 'img')) el.remove();
  }
  return root.innerHTML.trim();
}

/**
 * Pages are parsed by the DOMParser of a jsdom window that is reused for a bounded number of
 * pages: building a window (all its globals) costs about as much as parsing a small page.
 * DOMParser documents never run scripts or load sub-resources, and take their URL from the
 * window's document, so the window is pointed at each page's URL first (Readability resolves
 * relative links against it). The window is replaced every PAGES_PER_WINDOW pages so nothing it
 * may keep grows with uptime. The silent virtual console swallows complaints about broken markup.
 */
const PAGES_PER_WINDOW = 32;
let parser: { dom: JSDOM; parser: DOMParser; pages: number } | null = null;

function parsePage(html: string, url: string): Document {
  if (!parser || parser.pages >= PAGES_PER_WINDOW) {
    parser?.dom.window.close();
    const dom = new JSDOM('', { url: 'about:blank', virtualConsole: new VirtualConsole() });
    parser = { dom, parser: new dom.window.DOMParser(), pages: 0 };
  }
  try {
    parser.dom.reconfigure({ url });
  } catch (err) {
    if (err instanceof TypeError) throw new PermanentError('invalid_url', `cannot use ${url} as page URL`, { cause: err });
    throw err;
  }
  parser.pages++;
  return parser.parser.parseFromString(html, 'text/html');
}

export function extractArticle(html: string, opts: ExtractOptions): ExtractedArticle {
  assertLooksLikeHtml(html);
  const prepared = stripHeavyElements(html);
  return extractFromDocument(parsePage(prepared.html, opts.url), prepared.jsonLd, opts);
}

function extractFromDocument(doc: Document, jsonLd: readonly string[], opts: ExtractOptions): ExtractedArticle {
  const meta = readMetadata(doc, opts.url, jsonLd);
  applySiteRules(doc, opts.siteRules);
  if (doc.body) removeStructuralBoilerplate(doc.body, 0.25);
  const pageMap = doc.body ? mapPage(doc.body) : null;
  const parsed = new Readability<Element>(doc, {
    keepClasses: true,
    disableJSONLD: true,
    serializer: (node) => node as Element,
  }).parse();
  const root = parsed?.content;
  if (!root) throw new PermanentError('no_content', 'no readable article content in page');

  if (pageMap) restoreSplitSections(root, doc, pageMap);
  removeStructuralBoilerplate(root);
  const byline = meta.byline ?? cleanByline(parsed.byline);
  const title = meta.title ?? (parsed.title?.trim() || null);
  const titleKey = title ? normaliseForFingerprint(title) : null;
  // The headline is metadata, not body, when Readability keeps it.
  const blocks = collectBlocks(root).filter((b, i) => {
    if (i > 2 || !titleKey || normaliseForFingerprint(b.text) !== titleKey) return true;
    for (const n of b.nodes) n.parentNode?.removeChild(n);
    return false;
  });
  const { kept, fingerprints } = cleanBlocks(blocks, { byline, knownBoilerplate: opts.knownBoilerplate });
  const paragraphs = kept.map((b) => b.text);
  const text = paragraphs.join('\n\n');
  const wordCount = countWords(text);
  if (wordCount < MIN_WORDS) throw new PermanentError('no_content', `only ${wordCount} words of article text in page`);

  return {
    url: opts.url,
    canonicalUrl: meta.canonicalUrl,
    title,
    byline,
    published: meta.published ?? normaliseDate(parsed.publishedTime),
    siteName: meta.siteName ?? (parsed.siteName?.trim() || null),
    lang: meta.lang ?? normaliseLang(parsed.lang),
    leadImage: meta.leadImage,
    excerpt: meta.excerpt ?? (parsed.excerpt?.trim() || paragraphs[0] || null),
    paragraphs,
    text,
    html: sanitise(root),
    wordCount,
    fingerprints,
  };
}
