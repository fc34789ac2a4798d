// Readability keeps one container and its direct siblings. Bodies split into sections (each
// in its own wrapper, with subheadings and ads between) lose every section but one. Before
// Readability runs we note each element's place in the page; afterwards, wrappers that look
// exactly like the chosen one (same tag and class) and sit close to it in the original tree
// are added back, with a subheading just before them, in page order.
import { childElements, descendants } from './dom.js';

export interface PageMap {
  parent: WeakMap<Element, Element>;
  order: WeakMap<Element, number>;
}

export function mapPage(body: Element): PageMap {
  const parent = new WeakMap<Element, Element>();
  const order = new WeakMap<Element, number>();
  let i = 0;
  for (const el of descendants(body)) {
    order.set(el, i++);
    if (el.parentElement) parent.set(el, el.parentElement);
  }
  return { parent, order };
}

const MAX_LEVELS = 4;
const textLen = (el: Element) => (el.textContent ?? '').replace(/\s+/g, ' ').trim().length;
const signature = (el: Element) => `${el.localName}.${(el.getAttribute('class') ?? '').trim()}`;

function linkDensity(el: Element): number {
  let linked = 0;
  for (const a of descendants(el, 'a')) linked += textLen(a);
  return linked / Math.max(1, textLen(el));
}

function ancestors(el: Element, map: PageMap, levels: number): Element[] {
  const out: Element[] = [];
  for (let p = map.parent.get(el); p && out.length < levels; p = map.parent.get(p)) out.push(p);
  return out;
}

/** Adds sibling sections of the article that Readability left behind; returns how many. */
export function restoreSplitSections(article: Element, doc: Document, map: PageMap): number {
  // The wrapper that held most of the chosen paragraphs, as it was in the page.
  const weight = new Map<Element, number>();
  for (const p of descendants(article, 'p')) {
    const parent = map.parent.get(p);
    if (parent?.getAttribute('class')?.trim()) weight.set(parent, (weight.get(parent) ?? 0) + textLen(p));
  }
  let chosen: Element | null = null;
  for (const [el, w] of weight) if (!chosen || w > (weight.get(chosen) ?? 0)) chosen = el;
  if (!chosen) return 0;
  const sig = signature(chosen);
  const near = new Set(ancestors(chosen, map, MAX_LEVELS).filter((a) => a.localName !== 'body' && a.localName !== 'html'));
  if (near.size === 0) return 0;

  const extra: Element[] = [];
  for (const el of doc.body ? descendants(doc.body, chosen.localName) : []) {
    if (el === chosen || signature(el) !== sig || article.contains(el) || !el.isConnected) continue;
    if (!ancestors(el, map, MAX_LEVELS).some((a) => near.has(a))) continue;
    if (textLen(el) < 80 || linkDensity(el) > 0.3) continue;
    const heading = el.previousElementSibling;
    if (heading && /^h[2-4]$/.test(heading.localName) && !article.contains(heading)) extra.push(heading);
    extra.push(el);
  }
  if (extra.length === 0) return 0;

  // Readability wraps its pick in one page div; insert by original page order.
  const page = article.querySelector('#readability-page-1') ?? article;
  const orderOf = (n: Element): number => map.order.get(n) ?? (n.querySelector('*') ? orderOf(n.querySelector('*')!) : -1);
  for (const el of extra) {
    const at = orderOf(el);
    const before = childElements(page).find((c) => orderOf(c) > at) ?? null;
    page.insertBefore(el, before);
  }
  return extra.length;
}
