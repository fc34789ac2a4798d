// Boilerplate layer 6, by structure: what the other layers' decisions imply about the blocks
// around them. A run of link-only blocks is a list of other articles; a short block repeated
// inside a longer one is a pull quote or a duplicated promo; a heading or label whose section
// was all removed (or that has no section at all) introduced boilerplate and goes with it.
// Pure: reads blocks and the reasons found so far, returns the new reasons.
import type { Block } from './blocks.js';
import { linkDensity, wordCount } from './block-features.js';

const HEADING = /^h[1-6]$/;
const squash = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** A heading, or a short line that announces what follows ("More from The Ledger:", a bold kicker). */
export function isHeadingLike(b: Block, words = wordCount(b.text)): boolean {
  if (HEADING.test(b.tag)) return true;
  if (words > 10) return false;
  if (/:\s*$/.test(b.text)) return true;
  return isWholeBold(b) && !/[.!?]["”»’)]*$/u.test(b.text);
}

function isWholeBold(b: Block): boolean {
  if (b.nodes.length !== 1 || b.nodes[0]!.nodeType !== 1) return false;
  const el = b.nodes[0] as Element;
  const inner = el.childElementCount === 1 ? el.firstElementChild : null;
  return !!inner && /^(?:strong|b)$/.test(inner.localName) && (inner.textContent ?? '').trim().length >= b.text.length - 2;
}

/** How many blocks either way a pull quote is looked for in. */
const REPEAT_REACH = 20;

/** At least this many link-only blocks in a row make a list of other articles. */
const MIN_LINK_RUN = 2;

/**
 * The reasons layer 6 adds, by index. `reasons[i]` is what the earlier layers decided (null =
 * kept); blocks a site rule protects are passed as `protectedIdx` and never removed.
 */
export function layoutReasons(
  blocks: readonly Block[],
  reasons: readonly (string | null)[],
  protectedIdx: ReadonlySet<number>,
  densities: readonly number[] = blocks.map(linkDensity),
  words: readonly number[] = blocks.map((b) => wordCount(b.text)),
): Map<number, string> {
  const out = new Map<number, string>();
  const removed = (i: number) => reasons[i] !== null || out.has(i);
  const drop = (i: number, why: string) => {
    if (!removed(i) && !protectedIdx.has(i)) out.set(i, why);
  };

  // Runs of link-only headlines: related-article lists, whatever their wording. A headline has 4+
  // words and no closing punctuation; a list of linked documents ("Route map", "Cost breakdown")
  // or linked sentences is article.
  const linkOnly = blocks.map((b, i) => densities[i]! >= 0.8 && words[i]! >= 4 && !/[.!?;:]["”»’)]*$/u.test(b.text));
  for (let i = 0; i < blocks.length; ) {
    let j = i;
    while (j < blocks.length && linkOnly[j]) j++;
    if (j - i >= MIN_LINK_RUN) for (let k = i; k < j; k++) drop(k, 'layout:link-list');
    i = Math.max(j, i + 1);
  }

  // A short block whose words stand again inside a longer block: a pull quote or a promo printed twice.
  // A pull quote sits near the paragraph it repeats: look REPEAT_REACH blocks either way, word
  // for word (identical copies are layer 3's), so the cost stays linear on huge pages.
  const headingLike = blocks.map((b, i) => isHeadingLike(b, words[i]));
  const squashed = blocks.map((b) => ` ${squash(b.text)} `);
  blocks.forEach((_, i) => {
    const n = words[i]!;
    if (n < 6 || n > 50 || removed(i) || headingLike[i]) return;
    const s = squashed[i]!;
    for (let k = Math.max(0, i - REPEAT_REACH); k <= Math.min(blocks.length - 1, i + REPEAT_REACH); k++) {
      const other = squashed[k]!;
      if (k !== i && other.length > s.length && other.includes(s)) {
        drop(i, 'layout:repeated-inside');
        return;
      }
    }
  });

  // Headings and labels whose section is gone: the section runs to the next heading-like block.
  // A heading or label ("More from The Ledger:") right over a list of links is that list's title
  // and goes with it.
  for (let i = 0; i < blocks.length; i++) {
    if (!headingLike[i] || removed(i)) continue;
    if (out.get(i + 1) === 'layout:link-list') {
      drop(i, 'layout:heading-of-removed');
      continue;
    }
    let j = i + 1;
    while (j < blocks.length && !headingLike[j]) j++;
    const section = j - (i + 1);
    if (section > 0) {
      let all = true;
      for (let k = i + 1; k < j; k++) all &&= removed(k);
      if (all) drop(i, 'layout:heading-of-removed');
    } else if (j === blocks.length || (HEADING.test(blocks[j]!.tag) && HEADING.test(blocks[i]!.tag) && blocks[j]!.tag <= blocks[i]!.tag)) {
      // Nothing under it before the end or before a heading of the same or a higher rank.
      // (Readability drops forms and widgets, leaving their headings behind.)
      if (i > 0) drop(i, 'layout:empty-heading');
    }
  }
  // A heading whose own box (its parent element) held only removed blocks.
  // Its box holds a few blocks at most: look only at the blocks around it.
  const BOX = 8;
  blocks.forEach((b, i) => {
    if (!headingLike[i] || removed(i)) return;
    const parent = b.nodes[0]?.parentElement;
    if (!parent || parent.childElementCount > 12) return;
    let others = 0;
    let allGone = true;
    for (let k = Math.max(0, i - BOX); k <= Math.min(blocks.length - 1, i + BOX); k++) {
      const node = blocks[k]!.nodes[0];
      if (k === i || !node || !parent.contains(node)) continue;
      others++;
      allGone &&= removed(k);
    }
    if (others > 0 && allGone) drop(i, 'layout:heading-of-removed');
  });
  return out;
}
