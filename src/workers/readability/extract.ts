// The extraction stage's pure core: one HTML page in, one ExtractedArticle out. Parses once
// (after cheap string passes), reads metadata before Readability mutates the document, then
// cleans Readability's pick block by block. Synchronous and CPU-bound: run it off the event
// loop through extract.pool.ts.
import { Readability } from '@mozilla/readability';
import type { ExtractDom } from '../../shared/config.js';
import { PermanentError } from '../../shared/errors.js';
import type { ExtractedArticle } from '../../shared/types.js';
import { type Block, blockText, collectBlocks, countWords } from './blocks.js';
import { type BlockFeatures, blockFeatures, siteNamesOf } from './block-features.js';
import { type BlockModel, loadBlockModel } from './block-model.js';
import { descendants, findDescendant } from './dom.js';
import { KEEP_ATTR, type Removal, cleanBlocks, removeStructuralBoilerplate, ruleReasons } from './boilerplate.js';
import { normaliseForFingerprint } from './fingerprint.js';
import { cleanByline, normaliseDate, normaliseLang, readMetadata } from './metadata.js';
import { assertLooksLikeHtml, stripHeavyElements } from './prepare.js';
import { HTML_ESCAPES, VOID_ELEMENTS, parsePage, releasePage } from './parse.js';
import { mapPage, restoreSplitSections } from './sections.js';

export { fingerprint } from './fingerprint.js';
export { countWords } from './blocks.js';

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
  /** The DOM to parse with (see parse.ts); jsdom unless set. */
  dom?: ExtractDom;
  /**
   * The boilerplate classifier (layer 5): a model file's path, the shipped model when absent,
   * null for none (layers 1-4 and 6 only).
   */
  blockModel?: string | null;
  /** Training only: skip layer 1 (markup), so the blocks it would remove reach the classifier's training data. */
  skipStructure?: boolean;
}

/** What `newsflow extract --explain` shows: every block dropped, with the layer that dropped it. */
export interface ExtractTrace {
  /** Elements removed by markup (layer 1), before Readability ran ('page') and on its pick ('article'). */
  structure: { where: 'page' | 'article'; reason: string; text: string }[];
  /** Blocks of Readability's pick removed by layers 2-6 (and the headline, as metadata). */
  blocks: Removal[];
  /** Blocks layers 5-6 would have dropped, kept because the article would otherwise be empty. */
  overruled: Removal[];
  /** The classifier's score of each kept paragraph, in order (null where it did not judge it). */
  keptScores: (number | null)[];
  /** Time spent in layers 5 and 6 on this page (features, scoring, layout), in ms. */
  classifierMs: number;
}

/**
 * Readability.js as is, but for one test reordered. While no byline is known, `_grabArticle`
 * asks every element whether it is one, and Readability 0.6 measures the element's whole
 * `textContent` before looking at its `rel`, `itemprop` and class/id: the text of `<body>` and of
 * each wrapper around the article, again for every level. Here the cheap conditions come first
 * and the text is measured only for a candidate. Same answer for every element (the test has no
 * side effects); over 200 dev pages ~3% less main-thread CPU and ~14% less background GC work.
 * readability-byline.test.ts compares it with the original and notices if Readability renames it.
 */
export class NewsReadability<T = string> extends Readability<T> {
  _isValidByline(node: Element, matchString: string): boolean {
    const rel = node.getAttribute('rel');
    const itemprop = node.getAttribute('itemprop');
    const byline = (this as unknown as { REGEXPS: { byline: RegExp } }).REGEXPS.byline;
    if (!(rel === 'author' || itemprop?.includes('author') || byline.test(matchString))) return false;
    const length = (node.textContent ?? '').trim().length;
    return length > 0 && length < 100;
  }
}

/** Fewer words than this after cleaning is not an article. */
const MIN_WORDS = 15;

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

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const HTML_NS = 'http://www.w3.org/1999/xhtml';
/** The article's HTML keeps only these elements (anything else is unwrapped: its content stays) and attributes. */
const KEEP_ELEMENTS = new Set([
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'div', 'section', 'article', 'header', 'footer', 'main', 'aside', 'address', 'hr', 'br', 'wbr'],
  ...['a', 'img', 'figure', 'figcaption', 'picture', 'blockquote', 'q', 'cite', 'pre', 'code', 'kbd', 'samp', 'var'],
  ...['em', 'strong', 'b', 'i', 'u', 's', 'small', 'sub', 'sup', 'mark', 'abbr', 'time', 'del', 'ins', 'dfn', 'bdi', 'bdo', 'span'],
  ...['ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'details', 'summary'],
]);
const KEEP_ATTRS = new Map<string, readonly string[]>([['a', ['href']], ['img', ['src', 'alt']], ['td', ['colspan', 'rowspan']], ['th', ['colspan', 'rowspan']]]);
const DROP_ELEMENTS = new Set(['script', 'style', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'select', 'textarea', 'noscript', 'template', 'svg', 'link', 'meta']);
const EMPTIABLE = new Set(['div', 'section', 'span', 'figure', 'ul', 'ol', 'blockquote', 'p']);

/** Only structure survives: no classes, ids, styles or handlers; only http(s) links and images. */
function sanitise(root: Element): string {
  // Readability's result is detached from the page, so isConnected cannot tell what is gone;
  // removing a descendant of an element already removed is harmless.
  for (const el of descendants(root)) if (DROP_ELEMENTS.has(el.localName)) el.remove();
  // Containers emptied by cleaning.
  for (const el of descendants(root).reverse()) {
    if (EMPTIABLE.has(el.localName) && !el.textContent?.trim() && !findDescendant(el, (d) => d.localName === 'img')) el.remove();
  }
  const out: string[] = [];
  serialise(root, out);
  return out.join('').trim();
}

// A carriage return (from `&#13;` in the page) is written as a line feed, as an HTML parser reads it.
const escapeText = (s: string) => s.replace(/\r\n?/g, '\n').replace(/[&<>\u00a0]/g, (c) => HTML_ESCAPES[c]!);
const escapeAttr = (s: string) => s.replace(/[&<>"\u00a0]/g, (c) => HTML_ESCAPES[c]!);

/**
 * The children of `parent` as HTML, written here rather than read from `innerHTML` so the bytes
 * are the same whichever DOM parsed the page: only KEEP_ELEMENTS (others are unwrapped, so no
 * raw-text element such as <plaintext> or <xmp> and no foreign or custom element survives), only
 * the attributes KEEP_ATTRS allows, in its order, links and images only with http(s) URLs, no
 * comments. Depth is bounded by prepare.ts.
 */
function serialise(parent: Node, out: string[]): void {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE) {
      out.push(escapeText((n as Text).data));
      continue;
    }
    if (n.nodeType !== ELEMENT_NODE) continue;
    const el = n as Element;
    const name = el.localName;
    if (!KEEP_ELEMENTS.has(name) || el.namespaceURI !== HTML_NS) {
      serialise(el, out);
      continue;
    }
    out.push('<', name);
    for (const attr of KEEP_ATTRS.get(name) ?? []) {
      const value = el.getAttribute(attr);
      if (value === null || ((attr === 'href' || attr === 'src') && !/^https?:/i.test(value.trim()))) continue;
      out.push(' ', attr, '="', escapeAttr(value), '"');
    }
    out.push('>');
    if (VOID_ELEMENTS.has(name)) continue;
    serialise(el, out);
    out.push('</', name, '>');
  }
}

export function extractArticle(html: string, opts: ExtractOptions, trace?: ExtractTrace): ExtractedArticle {
  return onPage(html, opts, (doc, jsonLd) => extractFromDocument(doc, jsonLd, opts, trace));
}

/** Parse a page, run `fn` on it, and let the page's memory go whatever happens. */
function onPage<T>(html: string, opts: ExtractOptions, fn: (doc: Document, jsonLd: readonly string[]) => T): T {
  assertLooksLikeHtml(html);
  const prepared = stripHeavyElements(html);
  const doc = parsePage(prepared.html, opts.url, opts.dom);
  try {
    return fn(doc, prepared.jsonLd);
  } finally {
    releasePage(doc, opts.dom);
  }
}

export interface CandidateBlocks {
  /** The blocks of Readability's pick after layer 1, the headline taken out: what layers 2-6 judge. */
  blocks: { text: string; tag: string }[];
  features: BlockFeatures[];
  /** What layers 2-4 say of each block (null: nothing; the classifier decides it). */
  rules: (string | null)[];
}

/** The blocks the boilerplate layers judge on a page, with the classifier's features: training data. */
export function candidateBlocks(html: string, opts: ExtractOptions, hashBits: number): CandidateBlocks {
  return onPage(html, opts, (doc, jsonLd) => {
    const c = candidates(doc, jsonLd, opts);
    return {
      blocks: c.blocks.map((b) => ({ text: b.text, tag: b.tag })),
      features: blockFeatures(c.blocks, c.root, hashBits, c.siteNames),
      rules: ruleReasons(c.blocks, { byline: c.byline }),
    };
  });
}

/** The model layer 5 runs, per ExtractOptions.blockModel. */
function modelFor(opts: ExtractOptions): BlockModel | null {
  if (opts.blockModel === null) return null;
  return opts.blockModel === undefined ? loadBlockModel() : loadBlockModel(opts.blockModel);
}

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

/** Readability's pick after layer 1, with the metadata read before Readability changed the page. */
function candidates(doc: Document, jsonLd: readonly string[], opts: ExtractOptions, trace?: ExtractTrace) {
  const meta = readMetadata(doc, opts.url, jsonLd);
  applySiteRules(doc, opts.siteRules);
  const note = (where: 'page' | 'article') =>
    trace ? (el: Element, reason: string) => trace.structure.push({ where, reason: `structure:${reason}`, text: clip(blockText([el]).replace(/\n/g, ' / ')) }) : undefined;
  if (doc.body && !opts.skipStructure) removeStructuralBoilerplate(doc.body, 0.25, note('page'));
  const pageMap = doc.body ? mapPage(doc.body) : null;
  const parsed = new NewsReadability<Element>(doc, {
    keepClasses: true,
    disableJSONLD: true,
    serializer: (node) => node as Element,
  }).parse();
  const root = parsed?.content;
  if (!parsed || !root) throw new PermanentError('no_content', 'no readable article content in page');

  if (pageMap) restoreSplitSections(root, doc, pageMap);
  if (!opts.skipStructure) removeStructuralBoilerplate(root, 0.4, note('article'));
  const byline = meta.byline ?? cleanByline(parsed.byline);
  const title = meta.title ?? (parsed.title?.trim() || null);
  const titleKey = title ? normaliseForFingerprint(title) : null;
  // The headline is metadata, not body, when Readability keeps it.
  const blocks = collectBlocks(root).filter((b: Block, i) => {
    if (i > 2 || !titleKey || normaliseForFingerprint(b.text) !== titleKey) return true;
    for (const n of b.nodes) n.parentNode?.removeChild(n);
    trace?.blocks.push({ text: b.text, reason: 'headline' });
    return false;
  });
  const siteNames = siteNamesOf(meta.siteName ?? (parsed.siteName?.trim() || null), opts.url);
  return { meta, parsed, root, byline, title, blocks, siteNames };
}

function extractFromDocument(doc: Document, jsonLd: readonly string[], opts: ExtractOptions, trace?: ExtractTrace): ExtractedArticle {
  const { meta, parsed, root, byline, title, blocks, siteNames } = candidates(doc, jsonLd, opts, trace);
  const { kept, fingerprints, removed, overruled, keptScores, classifierMs } = cleanBlocks(blocks, {
    byline,
    knownBoilerplate: opts.knownBoilerplate,
    model: modelFor(opts),
    root,
    siteNames,
    minWords: MIN_WORDS,
  });
  if (trace) {
    trace.blocks.push(...removed);
    trace.overruled.push(...overruled);
    trace.keptScores.push(...keptScores.map((x) => x ?? null));
    trace.classifierMs += classifierMs;
  }
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
