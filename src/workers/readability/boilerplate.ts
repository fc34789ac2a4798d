// Boilerplate removal in layers, each conservative on its own:
//   1. structure: elements whose tag/class/id/role/aria/data-* say promo, share, ad, bio, ...
//   2. wording: calls to action, ad labels, credits, bare URLs, trailers, bios, copyright
//   3. repetition: blocks that occur more than once in the article
//   4. known: fingerprints learned elsewhere for the site
//   5. model: a classifier trained on labelled pages (block-model.ts) decides what 1-4 kept
//   6. layout: headings of removed sections, lists of links, repeats inside other blocks (layout.ts)
// Quotes, short paragraphs and datelines are never removed for being short or for wording.
import { type Block, countWords } from './blocks.js';
import { closestWhere, descendants, findDescendant } from './dom.js';
import { fingerprint } from './fingerprint.js';
import { wordingReason, isDateline, isPromotional, isAuthorTail } from './wording.js';
import { LONG_WORDS, blockFeatures, linkDensity, wordCount } from './block-features.js';
import { type BlockModel, LONG_BLOCK_WORDS, scoreBlock } from './block-model.js';
import { layoutReasons } from './layout.js';

/** Marks elements a site rule says to keep; no layer removes them or what contains them. */
export const KEEP_ATTR = 'data-nf-keep';

const TOKENS = new Set([
  'newsletter', 'newsletters', 'subscribe', 'subscription', 'subscriptions', 'subscriber', 'signup',
  'promo', 'promos', 'promotion', 'promotional', 'promoted', 'related', 'recirc', 'recirculation',
  'recommended', 'recommendation', 'recommendations', 'readmore', 'readnext', 'share', 'shares', 'sharing',
  'sharebar', 'sharetools', 'social', 'socials', 'socialshare', 'ad', 'ads', 'advert', 'adverts',
  'advertisement', 'advertisements', 'advertising', 'adslot', 'adunit', 'adcontainer', 'adwrapper', 'dfp',
  'sponsor', 'sponsored', 'sponsorship', 'outbrain', 'taboola', 'credit', 'credits', 'bio', 'biography',
  'comment', 'comments', 'disqus', 'toolbar', 'breadcrumb', 'breadcrumbs', 'nav', 'navigation', 'menu',
  'popup', 'modal', 'cookie', 'cookies', 'consent', 'gdpr', 'donate', 'donation', 'membership', 'sidebar',
  'trending', 'mostread', 'mostpopular', 'sronly', 'visuallyhidden', 'screenreader', 'tags', 'byline',
  'follow', 'footer', 'kicker', 'eyebrow', 'caption', 'captions', 'gating', 'adspot', 'adsbygoogle', 'adsense',
]);
/** Joined neighbours, so `sign-up` and `signUp` count as `signup`. */
const PAIRS = new Set(['signup', 'readmore', 'readnext', 'mostread', 'mostpopular', 'sronly', 'visuallyhidden', 'screenreader', 'sharetools', 'sharebar', 'adslot', 'adunit']);
const AUTHOR_BOX = new Set(['bio', 'info', 'card', 'box', 'about', 'details', 'profile', 'footer', 'description']);
/** On a paragraph or heading itself, only these say boilerplate (`js_readmore`, `subheading-nav` do not). */
const TEXT_BLOCK_TOKENS = new Set([
  'newsletter', 'newsletters', 'subscribe', 'subscription', 'signup', 'promo', 'promotion', 'promotional',
  'promoted', 'sponsor', 'sponsored', 'advert', 'advertisement', 'advertising', 'ad', 'ads', 'credit',
  'credits', 'byline', 'bio', 'biography', 'share', 'sharing', 'social', 'related', 'recommended', 'outbrain',
  'taboola', 'sronly', 'visuallyhidden', 'screenreader', 'gating', 'caption',
]);
const TEXT_BLOCKS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre']);
const ROLES = new Set(['complementary', 'navigation', 'banner', 'contentinfo', 'dialog', 'search', 'menu', 'toolbar']);
// A figure's caption describes a picture newsflow does not keep: like its credit, not article text.
const TAGS = new Set(['nav', 'aside', 'form', 'dialog', 'menu', 'footer', 'button', 'input', 'select', 'textarea', 'figcaption']);

export function signatureTokens(el: Element): string[] {
  const raw = [el.getAttribute('class'), el.id, el.getAttribute('itemprop'), el.getAttribute('aria-label')];
  for (const a of el.attributes) if (a.name.startsWith('data-') && a.value.length <= 60) raw.push(a.value);
  return raw
    .join(' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Why an element's markup marks it as boilerplate, or null. */
export function structuralReason(el: Element): string | null {
  const tag = el.localName;
  if (TAGS.has(tag)) return `tag:${tag}`;
  const role = el.getAttribute('role');
  if (role && ROLES.has(role)) return `role:${role}`;
  const tokens = signatureTokens(el);
  const textBlock = TEXT_BLOCKS.has(tag);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (textBlock && !TEXT_BLOCK_TOKENS.has(t) && !TEXT_BLOCK_TOKENS.has(t + (tokens[i + 1] ?? ''))) continue;
    if (TOKENS.has(t)) return `token:${t}`;
    const pair = t + (tokens[i + 1] ?? '');
    if (PAIRS.has(pair)) return `token:${pair}`;
    if (t === 'author' && AUTHOR_BOX.has(tokens[i + 1] ?? '')) return 'token:author-box';
    if ((t === 'about' || t === 'more') && tokens[i + 1] === 'author') return 'token:author-box';
  }
  return null;
}

const textLength = (n: Node) => (n.textContent ?? '').replace(/\s+/g, '').length;

/**
 * Layer 1. Removes marked elements, except ones that could be the article itself (a wrapper
 * with an unlucky class): more than `maxShare` of the text, or several long paragraphs.
 * Run once on the whole page before Readability (whose rewriting drops classes) and once on
 * its pick.
 */
export function removeStructuralBoilerplate(root: Element, maxShare = 0.4, onRemove?: (el: Element, reason: string) => void): string[] {
  const total = textLength(root);
  const anyKept = hasKeptInside(root);
  const removed: string[] = [];
  // A gallery tells its story in captions: when they hold most of the text, they are the article.
  let captionText = 0;
  for (const c of descendants(root, 'figcaption')) captionText += textLength(c);
  const captionsAreText = total > 0 && captionText > total / 2;
  const mayRemove = (el: Element): boolean => {
    if (total >= 200 && textLength(el) > total * maxShare) return false;
    // Several real paragraphs that are not a list of links: content, whatever the class says.
    let long = 0;
    for (const p of descendants(el, 'p')) if ((p.textContent ?? '').length > 80) long++;
    if (long >= 3 && linkShare(el) < 0.3) return false;
    return !anyKept || !hasKeptInside(el);
  };
  // A reason found on a wrapper too big to remove is not applied inside it either
  // (a live blog's `comments` container and each `comment` entry in it).
  const family = (reason: string) => reason.replace(/s$/, '');
  const visit = (el: Element, spared: ReadonlySet<string>): void => {
    for (let c = el.firstElementChild; c; ) {
      const next = c.nextElementSibling;
      if (c.hasAttribute(KEEP_ATTR)) {
        c = next;
        continue;
      }
      let reason = structuralReason(c);
      if (reason === 'tag:figcaption' && captionsAreText) reason = null;
      if (reason && !spared.has(family(reason)) && mayRemove(c)) {
        removed.push(reason);
        onRemove?.(c, reason);
        c.remove();
      } else visit(c, reason ? new Set([...spared, family(reason)]) : spared);
      c = next;
    }
  };
  visit(root, new Set());
  return removed;
}

const isKeep = (el: Element) => el.hasAttribute(KEEP_ATTR);
const hasKeptInside = (el: Element) => findDescendant(el, isKeep) !== null;
const isKept = (b: Block) =>
  b.nodes.some((n) => n.nodeType === 1 && (closestWhere(n as Element, isKeep) || hasKeptInside(n as Element)));

function linkShare(el: Element): number {
  let linked = 0;
  for (const a of descendants(el, 'a')) linked += textLength(a);
  return linked / Math.max(1, textLength(el));
}

/**
 * A paragraph that is nothing but a link and reads like a headline (no closing punctuation)
 * is a teaser for another article, however it is styled.
 */
export function isLinkTeaser(block: Block): boolean {
  if (block.tag !== 'p' && !/^h[2-6]$/.test(block.tag)) return false;
  if (/[.!?:;"”»)]$/u.test(block.text) || block.text.split(/\s+/).length < 4) return false;
  let linked = 0;
  for (const n of block.nodes) {
    if (n.nodeType !== 1) continue;
    const el = n as Element;
    const links = el.localName === 'a' ? [el] : descendants(el, 'a');
    for (const a of links) if (a.hasAttribute('href')) linked += (a.textContent ?? '').replace(/\s+/g, '').length;
  }
  return linked >= block.text.replace(/\s+/g, '').length * 0.95;
}

/** Layer 3: every copy of a repeated promotional block; later copies of any other repeated block. */
export function repeatedBlocks(blocks: readonly Block[], fps: readonly string[]): Set<number> {
  const seen = new Map<string, number[]>();
  fps.forEach((fp, i) => {
    if (blocks[i]!.text.length >= 12) seen.set(fp, [...(seen.get(fp) ?? []), i]);
  });
  const out = new Set<number>();
  for (const idx of seen.values()) {
    if (idx.length < 2) continue;
    const promo = isPromotional(blocks[idx[0]!]!.text);
    idx.forEach((i, k) => (promo || k > 0) && out.add(i));
  }
  return out;
}

export interface CleanOptions {
  byline: string | null;
  knownBoilerplate?: ReadonlySet<string>;
  /** Layer 5, the learned classifier; absent or null: not run. */
  model?: BlockModel | null;
  /** The element the blocks were collected from (the classifier reads the markup around them). */
  root?: Element;
  /** The outlet's names (see siteNamesOf). */
  siteNames?: readonly string[];
  /**
   * Layers 5 and 6 judge blocks the rules kept; if together they would leave fewer words than
   * this where the rules left at least this many, they are overruled and the rules' article
   * stands (a page that scores as all boilerplate still gives the article Readability found).
   */
  minWords?: number;
}

export interface Removal {
  text: string;
  /** `<layer>:<detail>`: structure:…, wording:…, repeated, known, model, layout:… */
  reason: string;
  /** The classifier's probability of boilerplate, where it decided. */
  score?: number;
}

export interface CleanResult {
  kept: Block[];
  fingerprints: string[];
  removed: Removal[];
  /** Blocks layers 5 and 6 would have removed but were overruled to keep the article (see minWords). */
  overruled: Removal[];
  /** The classifier's score of each kept block it judged, parallel to `kept` (undefined: not judged). */
  keptScores: (number | undefined)[];
  /** Time spent in layers 5 and 6 (features, scoring, layout), in ms. */
  classifierMs: number;
}

/** Layers 2-4, each judging every block on its own: the reason per block, null where none applies. */
export function ruleReasons(blocks: readonly Block[], opts: Pick<CleanOptions, 'byline' | 'knownBoilerplate'>, fps = blocks.map((b) => fingerprint(b.text))): (string | null)[] {
  const repeated = repeatedBlocks(blocks, fps);
  return blocks.map((b, i): string | null => {
    if (isKept(b)) return null;
    if (opts.knownBoilerplate?.has(fps[i]!)) return 'known';
    const wording = wordingReason(b.text);
    if (wording) return `wording:${wording}`;
    if (repeated.has(i)) return 'repeated';
    if (isLinkTeaser(b)) return 'structure:link-teaser';
    return isAuthorTail(blocks, i, opts.byline) ? 'wording:author-bio' : null;
  });
}

/** Layers 2-6 over the blocks left by layer 1. */
export function cleanBlocks(blocks: readonly Block[], opts: CleanOptions): CleanResult {
  const fps = blocks.map((b) => fingerprint(b.text));
  const protectedIdx = new Set<number>();
  const scores = new Map<number, number>();
  const rules = ruleReasons(blocks, opts, fps);
  blocks.forEach((b, i) => isKept(b) && protectedIdx.add(i));
  // Layer 5: the classifier decides the blocks the rules kept.
  const started = performance.now();
  const reasons = [...rules];
  const densities = blocks.map(linkDensity);
  const words = blocks.map((b) => wordCount(b.text));
  if (opts.model && opts.root) {
    const model = opts.model;
    const wanted = blocks.map((b, i) => reasons[i] === null && !protectedIdx.has(i) && !isDateline(b.text));
    const features = blockFeatures(blocks, opts.root, model.hashBits, opts.siteNames, densities, wanted, words);
    const lastLong = words.findLastIndex((n) => n >= LONG_WORDS);
    blocks.forEach((_, i) => {
      if (!wanted[i]) return;
      const p = scoreBlock(model, features[i]!);
      scores.set(i, p);
      const n = words[i]!;
      const threshold = n >= LONG_BLOCK_WORDS ? model.longThreshold : i > lastLong ? model.tailThreshold : model.threshold;
      if (p >= threshold) reasons[i] = 'model';
    });
  }
  // Layer 6: what those decisions imply for headings, lists and repeats around them.
  for (const [i, why] of layoutReasons(blocks, reasons, protectedIdx, densities, words)) reasons[i] = why;
  const classifierMs = performance.now() - started;

  const minWords = opts.minWords ?? 0;
  // Counted as the article check counts them (each Chinese, Japanese or Thai character a word).
  const articleWords = blocks.map((b) => countWords(b.text));
  const keptWords = (rs: readonly (string | null)[]) => articleWords.reduce((n, w, i) => n + (rs[i] === null ? w : 0), 0);
  const overrule = minWords > 0 && keptWords(reasons) < minWords && keptWords(rules) >= minWords;
  const kept: Block[] = [];
  const keptFps: string[] = [];
  const keptScores: (number | undefined)[] = [];
  const removed: Removal[] = [];
  const overruled: Removal[] = [];
  const removal = (i: number, reason: string): Removal => {
    const score = scores.get(i);
    return score === undefined ? { text: blocks[i]!.text, reason } : { text: blocks[i]!.text, reason, score };
  };
  blocks.forEach((b, i) => {
    const reason = overrule ? rules[i] : reasons[i];
    if (overrule && reasons[i] && !rules[i]) overruled.push(removal(i, reasons[i]!));
    if (reason) {
      removed.push(removal(i, reason));
      for (const n of b.nodes) n.parentNode?.removeChild(n);
    } else {
      kept.push(b);
      keptFps.push(fps[i]!);
      keptScores.push(scores.get(i));
    }
  });
  return { kept, fingerprints: keptFps, removed, overruled, keptScores, classifierMs };
}
