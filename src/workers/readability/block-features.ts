// Features of the blocks Readability kept, for the learned boilerplate classifier (block-model.ts).
// Each block becomes a list of hashed feature ids with a weight: features that transfer across
// publishers (length, link density, place in the article, tag and enclosing markup, sentence
// shape, second person, prices, "ago", dates) and word uni/bigrams. Pure, no I/O; training and
// prediction call the same function, so the model always sees what it was trained on.
import type { Block } from './blocks.js';
import { fnv1a } from '../../shared/hash.js';

/**
 * Which features this code computes. A model records the version it was trained on and will not
 * load under another: change it whenever a feature, its hashing or its bucketing changes, and retrain.
 */
export const FEATURE_VERSION = 2;

export interface BlockFeatures {
  /** Hashed feature ids (below 2^hashBits). */
  ids: Uint32Array;
  /** Each id's value: 1 for shape features, 1/sqrt(n) for the block's n word features. */
  values: Float32Array;
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/** Upper bounds of the word-count buckets: 1, 2, 3, 4-5, 6-8, 9-12, 13-20, 21-35, 36-60, 61+. */
const LENGTHS = [1, 2, 3, 5, 8, 12, 20, 35, 60];
const bucket = (x: number, bounds: readonly number[]): number => {
  let i = 0;
  while (i < bounds.length && x > bounds[i]!) i++;
  return i;
};

/** A paragraph of prose: long enough that the article's body is around it (the body runs from the first to the last). */
export const LONG_WORDS = 25;
/** Word features come from this many leading tokens: a long paragraph says what it is early. */
const MAX_TOKENS = 60;
/** Text features read this many leading characters of a block: enough for MAX_TOKENS, bounded on huge blocks. */
const TEXT_CAP = 400;
/** Capitalisation is read from this many leading words. */
const CASE_TOKENS = 20;
/** Word unigrams and the first word of bigrams start their hash from these (the feature kinds apart). */
const UNIGRAM_SEED = fnv1a('w:');
const BIGRAM_SEED = fnv1a('b:');
/** Markup words worth learning: plain words, not hashed CSS-module names (`css-1q2w3e`, `kQwErT`). */
const MARKUP_WORD = /^[a-z]{3,20}$/;
const ANCESTOR_TAGS = new Set(['ul', 'ol', 'li', 'blockquote', 'aside', 'figure', 'table', 'strong', 'b', 'em', 'a', 'header', 'footer', 'section', 'dl', 'small', 'details', 'center']);
/** How far up from a block its enclosing markup is read (tags and class/id words). */
const ANCESTOR_LEVELS = 4;

// Sentence shape, in the languages the wording layer knows (en, fr, de, es); the word features
// pick up the rest from training data.
const wordSet = (words: string) => new Set(words.split(' '));
const SECOND_PERSON = wordSet('you your yours vous votre vos tu ton ta tes toi dein deine deinen deinem euch euer usted ustedes tus tú');
const FIRST_PLURAL = wordSet('we our us nous notre nos wir unser unsere unseren unserem nosotros nuestro nuestra nuestros nuestras');
const NETWORKS = wordSet('facebook twitter instagram linkedin threads bluesky mastodon youtube tiktok telegram whatsapp reddit pinterest flipboard email mail rss snapchat spotify');
const PRICE = /[$€£¥]\s?\d|\d\s?(?:[€$£¥]|(?:eur|usd|gbp|chf)\b)/iu;
const PERCENT = /\d\s?%/u;
const AGO = /\b\d+\s?(?:s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s+ago\b|\bil y a \d+|\bvor \d+\s?(?:sek|min|std|stunden?|tagen?)|\bhace \d+\s?(?:s|seg|min|minutos?|h|horas?|d[ií]as?)\b|^\s*(?:just now|à l['’]instant|gerade eben|ahora mismo)\b/iu;
/** A cheap first look for AGO's digit-free forms. */
const AGO_WORDS = /just now|instant|gerade eben|ahora mismo/iu;
const CLOCK = /\b\d{1,2}[:.h]\d{2}\b/u;
const YEAR = /\b(?:19|20)\d{2}\b/u;
const HANDLE = /(?:^|\s)@\w{2,}|\b[\w.-]+@[\w-]+\.\w{2,}\b/u;
const DOMAIN = /\b[\w-]+\.(?:com|org|net|co\.uk|de|fr|es|io|news|tv)\b/iu;
const SEPARATORS = /[|•·►»›▸]/u;
const ADULT = /\b18\s?\+|\+\s?18\b/u;
const DURATION = /\b\d+\s?(?:min|mins|minutes?|minuten|minutos|std|hrs?)\b\.?/iu;
/** "Topics: Energy, Climate", "Mots-clés : Transports, Montagne": a label, then short comma-separated items. */
const TAG_LIST = /^[^:.!?]{2,30}:\s*(?:[^,.!?:]{1,30},\s*){1,}[^,.!?:]{1,30}$/u;
// The verbs calls to action open with (en, fr, de, es): "Get the briefing", "Abonnez-vous", "Jetzt
// testen", "Síguenos". A feature, not a rule: the model weighs it with everything else.
const IMPERATIVE = new Set(
  (
    'get sign subscribe follow join download listen read watch share click tap support donate order try start unlock discover explore ' +
    'learn find see shop buy save register log upgrade become don\'t never stream catch check claim grab enjoy keep stay visit ' +
    'abonnez inscrivez suivez téléchargez découvrez recevez soutenez lisez retrouvez rejoignez partagez profitez essayez cliquez écoutez regardez ' +
    'abonnieren folgen lesen holen laden testen entdecken sichern jetzt melden registrieren teilen hören unterstützen erhalten klicken ' +
    'suscríbete síguenos descarga lee recibe únete apoya comparte descubre regístrate inicia escucha mira haz prueba suscribite seguinos mirá'
  ).split(' '),
);
const LEADING_QUOTE = /^["“”«»„‚‘’'‹›]|^[-–—]\s/u;
const SENTENCE_END = /[.!?…](?:["”»’)]*)(?:\s+|$)/gu;
const ENDS_SENTENCE = /[.!?…]["”»’)]*$/u;
const TOKEN = /[\p{L}\p{N}]+/gu;

/**
 * Each block's features, in order. `root` is the article element the blocks were collected from;
 * `siteNames` the outlet's names (site name, host label), lower-cased: furniture names the outlet
 * ("Follow Patchnote on…", "Get the Gazette's newsletter"), news rarely does.
 */
export function blockFeatures(
  blocks: readonly Block[],
  root: Element,
  hashBits: number,
  siteNames: readonly string[] = [],
  densities: readonly number[] = blocks.map(linkDensity),
  /** Blocks whose features are wanted (the others get none, but still count as context); default all. */
  wanted?: readonly boolean[],
  words: readonly number[] = blocks.map((b) => wordCount(b.text)),
): BlockFeatures[] {
  let firstLong = -1;
  let lastLong = -1;
  words.forEach((w, i) => {
    if (w >= LONG_WORDS) {
      if (firstLong < 0) firstLong = i;
      lastLong = i;
    }
  });
  const mask = (1 << hashBits) - 1;
  const cues = blocks.map((b, i) => cuesOf(b, siteNames, densities[i]!, words[i]!));
  const markupWordsOf = new Map<Element, string[]>();
  return blocks.map((b, i) => {
    if (wanted && !wanted[i]) return NONE;
    const shape: string[] = [];
    const n = blocks.length;
    const len = bucket(words[i]!, LENGTHS);
    const tag = /^h[1-6]$/.test(b.tag) ? 'h' : b.tag;
    shape.push('bias');
    shape.push(`len:${len}`);
    shape.push(`tag:${tag}`);
    shape.push(`tag-len:${tag}:${len}`);

    // Place in the article: the body runs from the first long paragraph to the last; what comes
    // after the last one (and before the first) is where furniture gathers.
    const where = lastLong < 0 ? 'nolong' : i > lastLong ? 'tail' : i < firstLong ? 'head' : 'body';
    shape.push(`where:${where}`);
    shape.push(`where-len:${where}:${len}`);
    shape.push(`where-tag:${where}:${tag}`);
    if (i === 0) shape.push('first');
    if (i === n - 1) shape.push('last');
    if (where === 'tail') shape.push(`tail-rank:${Math.min(i - lastLong, 4)}`);
    shape.push(`rel:${Math.min(9, Math.floor((10 * i) / n))}`);
    const prevLen = i > 0 ? bucket(words[i - 1]!, LENGTHS) : -1;
    const nextLen = i < n - 1 ? bucket(words[i + 1]!, LENGTHS) : -1;
    shape.push(`prev-len:${prevLen}`);
    shape.push(`next-len:${nextLen}`);
    shape.push(`prev-tag:${i > 0 ? blocks[i - 1]!.tag : 'none'}`);
    shape.push(`next-tag:${i < n - 1 ? blocks[i + 1]!.tag : 'none'}`);
    // A short block between two long paragraphs is an insert or a one-line paragraph; a run of
    // short blocks is a box.
    if (prevLen >= 0 && nextLen >= 0) shape.push(`sandwich:${len}:${Math.min(prevLen, 7)}:${Math.min(nextLen, 7)}`);

    // Furniture comes in boxes: a label and its list, a promo heading and its pitch.
    for (const c of cues[i - 1] ?? ['none']) shape.push(`prev-cue:${c}`);
    for (const c of cues[i + 1] ?? ['none']) shape.push(`next-cue:${c}`);

    // Links and markup.
    const density = densities[i]!;
    const dens = density === 0 ? 0 : density < 0.2 ? 1 : density < 0.5 ? 2 : density < 0.9 ? 3 : 4;
    shape.push(`links:${dens}`);
    shape.push(`links-len:${dens}:${len}`);
    shape.push(`links-tag:${dens}:${tag}`);
    markup(b, root, shape, markupWordsOf);

    // Sentence shape, read from the start of a long block (and its last character).
    const text = b.text.length > TEXT_CAP ? b.text.slice(0, TEXT_CAP) : b.text;
    const last = b.text.at(-1) ?? '';
    shape.push(`end:${/[\p{L}\p{N}]/u.test(last) ? 'word' : /[.!?:;…"”»’)\]]/u.test(last) ? last : 'other'}`);
    const stops = ENDS_SENTENCE.test(b.text.slice(-4));
    shape.push(`end-len:${stops ? 'stop' : 'open'}:${len}`);
    if (LEADING_QUOTE.test(text)) shape.push('quote-start');
    if (/^\d/.test(text)) shape.push('digit-start');
    const tokens = text.match(TOKEN) ?? [];
    const lowerTokens = tokens.map((t) => t.toLowerCase());
    // Capitalisation of the first words (a headline, a menu, a name list, a shout).
    let letterWords = 0;
    let capitalised = 0;
    let shouted = 0;
    for (let k = 0; k < tokens.length && k < CASE_TOKENS; k++) {
      const t = tokens[k]!;
      const c = t.charCodeAt(0);
      if (c >= 48 && c <= 57) continue;
      letterWords++;
      if (t !== lowerTokens[k]) {
        capitalised++;
        if (t.length > 1 && t === t.toUpperCase()) shouted++;
      }
    }
    if (letterWords >= 2) {
      const share = capitalised / letterWords;
      shape.push(`caps:${share > 0.9 ? 'all' : share > 0.6 ? 'title' : share > 0.3 ? 'some' : 'few'}`);
      if (shouted === letterWords) shape.push('shout');
    }
    const sentences = (text.match(SENTENCE_END) ?? []).length;
    shape.push(`sentences:${Math.min(sentences, 3)}`);
    const second = count(lowerTokens, SECOND_PERSON);
    if (second) shape.push(`you:${Math.min(second, 3)}`);
    if (second && len <= 6) shape.push('you-short');
    const we = count(lowerTokens, FIRST_PLURAL);
    if (we) shape.push(`we:${Math.min(we, 3)}`);
    const digits = /\d/.test(text);
    if (digits) {
      if (PRICE.test(text)) shape.push('price');
      if (PERCENT.test(text)) shape.push('percent');
      if (AGO.test(text)) shape.push('ago');
      if (CLOCK.test(text)) shape.push(`clock:${len <= 3 ? 'alone' : 'in'}`);
      if (YEAR.test(text)) shape.push('year');
      if (DURATION.test(text)) shape.push(`duration:${len <= 3 ? 'alone' : 'in'}`);
      if (ADULT.test(text)) shape.push('adult');
    } else if (AGO_WORDS.test(text) && AGO.test(text)) shape.push('ago');
    if (HANDLE.test(text)) shape.push('handle');
    if (DOMAIN.test(text)) shape.push('domain');
    if (SEPARATORS.test(text)) shape.push('separators');
    if (text.includes('©')) shape.push('copyright');
    const networks = new Set(lowerTokens.filter((t) => NETWORKS.has(t))).size;
    if (networks) shape.push(`networks:${Math.min(networks, 3)}`);
    if (TAG_LIST.test(text)) shape.push('tag-list');
    const lowerText = text.toLowerCase();
    if (siteNames.some((name) => lowerText.includes(name))) shape.push(`names-site:${len <= 4 ? 'short' : len <= 7 ? 'mid' : 'long'}`);
    if (/^[^.!?]{1,60}:\s*$/u.test(text)) shape.push('label');
    else if (/^[^.!?:]{1,40}:\s+\S/u.test(text)) shape.push('label-lead');

    // Words: uni- and bigrams of the leading tokens, digits folded, and the first words apart
    // (an imperative, a label) and the last. Hashed by chaining FNV over the parts (no strings built).
    const lower = lowerTokens.slice(0, MAX_TOKENS).map((t) => (digits ? t.replace(/\d/g, '0') : t));
    const wordIds: number[] = [];
    let prev = 0;
    for (let k = 0; k < lower.length; k++) {
      const unigram = fnv1a(lower[k]!, UNIGRAM_SEED);
      wordIds.push(unigram & mask);
      if (k > 0) wordIds.push(fnv1a(lower[k]!, prev) & mask);
      prev = fnv1a(lower[k]!, BIGRAM_SEED);
    }
    if (lower[0]) shape.push(`first:${lower[0]}`);
    if (lower[0] && IMPERATIVE.has(lower[0]) && !/[?]$/.test(text)) shape.push(`imperative:${len <= 5 ? 'short' : 'long'}`);
    if (lower[1]) shape.push(`first2:${lower[0]} ${lower[1]}`);
    const lastTok = (b.text.length > TEXT_CAP ? b.text.slice(-40).match(TOKEN) : tokens)?.at(-1)?.toLowerCase();
    if (lastTok) shape.push(`lastw:${lastTok.replace(/\d/g, '0')}`);

    const ids = new Uint32Array(shape.length + wordIds.length);
    const values = new Float32Array(ids.length);
    shape.forEach((f, k) => {
      ids[k] = fnv1a(f) & mask;
      values[k] = 1;
    });
    const wv = wordIds.length ? 1 / Math.sqrt(wordIds.length) : 0;
    wordIds.forEach((h, k) => {
      ids[shape.length + k] = h;
      values[shape.length + k] = wv;
    });
    return { ids, values };
  });
}

const NONE: BlockFeatures = { ids: new Uint32Array(0), values: new Float32Array(0) };

const count = (tokens: readonly string[], set: ReadonlySet<string>) => tokens.reduce((n, t) => n + (set.has(t) ? 1 : 0), 0);

/** A few telling traits of a block, which its neighbours see. */
function cuesOf(b: Block, siteNames: readonly string[], density: number, n: number): string[] {
  const text = b.text.length > TEXT_CAP ? b.text.slice(0, TEXT_CAP) : b.text;
  const out: string[] = [];
  out.push(n >= LONG_WORDS ? 'long' : n <= 6 ? 'short' : 'mid');
  const tokens = (text.match(TOKEN) ?? []).map((t) => t.toLowerCase());
  if (count(tokens, SECOND_PERSON)) out.push('you');
  if (tokens[0] && IMPERATIVE.has(tokens[0])) out.push('imperative');
  const lower = text.toLowerCase();
  if (siteNames.some((name) => lower.includes(name))) out.push('names-site');
  if (/\d/.test(text) && PRICE.test(text)) out.push('price');
  if (count(tokens, NETWORKS)) out.push('networks');
  if (density >= 0.5) out.push('links');
  if (/:\s*$/.test(text) || /^h[1-6]$/.test(b.tag)) out.push('label');
  if (!ENDS_SENTENCE.test(b.text.slice(-4))) out.push('open');
  return out;
}

/** Words in a block's text (runs between spaces). */
export function wordCount(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = text.charCodeAt(i) <= 32;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/** Share of a block's characters inside links. */
export function linkDensity(block: Block): number {
  let linked = 0;
  let total = 0;
  const visit = (n: Node, inLink: boolean): void => {
    if (n.nodeType === TEXT_NODE) {
      const len = (n as Text).data.replace(/\s+/g, '').length;
      total += len;
      if (inLink) linked += len;
      return;
    }
    if (n.nodeType !== ELEMENT_NODE) return;
    const link = inLink || ((n as Element).localName === 'a' && (n as Element).hasAttribute('href'));
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c, link);
  };
  for (const n of block.nodes) visit(n, false);
  return total ? linked / total : 0;
}

/** Tags around the block and plain words in its class, id and data attributes, up to ANCESTOR_LEVELS. */
function markup(b: Block, root: Element, shape: string[], cache: Map<Element, string[]>): void {
  const first = b.nodes[0];
  if (!first) return;
  let el: Element | null = first.nodeType === ELEMENT_NODE ? (first as Element) : first.parentElement;
  // The whole block in one bold, italic or link element.
  if (b.nodes.length === 1 && el && el.childElementCount === 1 && el.firstElementChild && /^(?:strong|b|em|i|a)$/.test(el.firstElementChild.localName)) {
    if ((el.firstElementChild.textContent ?? '').trim().length >= b.text.length - 2) shape.push(`whole:${el.firstElementChild.localName}`);
  }
  const seen = new Set<string>();
  for (let level = 0; el && el !== root && level < ANCESTOR_LEVELS; level++, el = el.parentElement) {
    if (level > 0 && ANCESTOR_TAGS.has(el.localName)) shape.push(`in:${el.localName}`);
    let words = cache.get(el);
    if (!words) cache.set(el, (words = markupWords(el)));
    for (const word of words) {
      if (seen.has(word)) continue;
      seen.add(word);
      shape.push(`class:${word}`);
    }
  }
}

function markupWords(el: Element): string[] {
  const raw = `${el.getAttribute('class') ?? ''} ${el.id} ${el.getAttribute('data-testid') ?? ''} ${el.getAttribute('data-component') ?? ''}`;
  if (raw.length < 4) return [];
  return raw
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => MARKUP_WORD.test(w) && !/^(?:readability|page|nf)$/.test(w));
}

const SITE_STOP = new Set(['the', 'news', 'daily', 'online', 'www', 'com', 'net', 'org', 'und', 'der', 'die', 'das', 'les', 'the', 'del', 'los', 'las', 'example']);

/** The outlet's names to look for in blocks: its site name and its host's main label, lower-cased. */
export function siteNamesOf(siteName: string | null, url: string): string[] {
  const names = new Set<string>();
  const name = siteName?.toLowerCase().trim();
  if (name && name.length >= 4) names.add(name.replace(/^the\s+/, ''));
  try {
    const labels = new URL(url).hostname.toLowerCase().split('.').filter((l) => l !== 'www');
    const main = labels.length >= 2 ? labels[labels.length - 2]! : labels[0];
    if (main && main.length >= 4 && !SITE_STOP.has(main)) names.add(main);
  } catch {
    // No URL, no host name.
  }
  return [...names];
}
