// Splits an article's DOM into reading-order blocks (paragraphs, subheadings, list items,
// quotes, captions) and gives each its text with line breaks kept. Cleaning works on these
// blocks, never on a flattened textContent, so removing one block cannot damage another.

import { findDescendant } from './dom.js';

export interface Block {
  /** The nodes that make up the block: one element, or a run of inline nodes. */
  nodes: Node[];
  /** Lower-case tag of the block element (`p` for a run of loose inline content). */
  tag: string;
  text: string;
}

const LEAF_BLOCKS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'figcaption', 'dt', 'dd', 'address', 'caption']);
/** Blocks unless they hold other blocks, then containers. */
const SOFT_BLOCKS = new Set(['li', 'blockquote']);
const BLOCK_LEVEL = new Set(
  'p,div,section,article,main,ul,ol,dl,table,blockquote,figure,header,footer,aside,h1,h2,h3,h4,h5,h6,pre,li,form,fieldset,details,center,hgroup,address,figcaption'.split(','),
);
const holdsBlock = (el: Element) => findDescendant(el, (d) => BLOCK_LEVEL.has(d.localName)) !== null;
const SKIP = new Set(['img', 'picture', 'video', 'audio', 'canvas', 'source', 'track', 'input', 'textarea', 'hr', 'map', 'head', 'title', 'meta', 'link']);

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

export function isHidden(el: Element): boolean {
  return el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true';
}

/** Text of a subtree: `<br>` and nested blocks become line breaks, spaces collapsed per line. */
export function blockText(nodes: readonly Node[]): string {
  const parts: string[] = [];
  const visit = (n: Node): void => {
    if (n.nodeType === TEXT_NODE) {
      parts.push((n as Text).data);
      return;
    }
    if (n.nodeType !== ELEMENT_NODE) return;
    const el = n as Element;
    const tag = el.localName;
    if (SKIP.has(tag) || isHidden(el)) return;
    if (tag === 'br') {
      parts.push('\n');
      return;
    }
    const block = LEAF_BLOCKS.has(tag) || SOFT_BLOCKS.has(tag) || tag === 'div' || tag === 'tr';
    if (block) parts.push('\n');
    for (let c = el.firstChild; c; c = c.nextSibling) visit(c);
    if (block) parts.push('\n');
    else if (tag === 'td' || tag === 'th') parts.push(' ');
  };
  nodes.forEach(visit);
  return parts
    .join('')
    .split('\n')
    .map((l) => l.replace(/[\s\u00a0\u200b]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

export function collectBlocks(root: Element): Block[] {
  const blocks: Block[] = [];
  let pending: Node[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = blockText(pending);
    if (text) blocks.push({ nodes: pending, tag: 'p', text });
    pending = [];
  };
  const emit = (el: Element): void => {
    flush();
    const text = blockText([el]);
    if (text) blocks.push({ nodes: [el], tag: el.localName, text });
  };
  const walk = (container: Element): void => {
    for (let c = container.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === TEXT_NODE) {
        pending.push(c);
        continue;
      }
      if (c.nodeType !== ELEMENT_NODE) continue;
      const el = c as Element;
      const tag = el.localName;
      if (SKIP.has(tag) || isHidden(el)) continue;
      if (tag === 'br') {
        // Two <br> in a row end a paragraph in pages that never used <p>.
        const prev = [...pending].reverse().find((n) => n.nodeType !== TEXT_NODE || (n as Text).data.trim());
        if (prev && prev.nodeType === ELEMENT_NODE && (prev as Element).localName === 'br') flush();
        else pending.push(el);
      } else if (LEAF_BLOCKS.has(tag)) emit(el);
      else if (SOFT_BLOCKS.has(tag) && !holdsBlock(el)) emit(el);
      else if (tag === 'a' || tag === 'span' || tag === 'b' || tag === 'i' || tag === 'em' || tag === 'strong' || tag === 'font' || tag === 'small' || tag === 'time' || tag === 'q' || tag === 'cite' || tag === 'sup' || tag === 'sub' || tag === 'code' || tag === 'mark' || tag === 'abbr' || tag === 'u' || tag === 's') {
        if (holdsBlock(el)) {
          flush();
          walk(el);
          flush();
        } else pending.push(el);
      } else {
        flush();
        walk(el);
        flush();
      }
    }
  };
  walk(root);
  flush();
  return blocks;
}

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

export function removeBlock(block: Block): void {
  for (const n of block.nodes) n.parentNode?.removeChild(n);
}
